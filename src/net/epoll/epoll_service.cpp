#include "epoll_service.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

#include "../posix/posix_socket.h"
#include "../socket_faults.h"
#include "../wait_policy.h"
#include "../warnings.h"

namespace chat::net {
namespace {

constexpr std::uint64_t kListenerKey = ~std::uint64_t{0};
constexpr std::uint64_t kWakeKey = ~std::uint64_t{0} - 1;
constexpr std::uint64_t kStopKey = ~std::uint64_t{0} - 2;
constexpr int kEventsPerWait = 128;
constexpr int kAcceptsPerWake = 64;  // then let the worker serve completions too
constexpr std::size_t kMaxIov = kMaxSendBuffers;

// The running worker's receive buffer; it lives in run() (see iocp_service.cpp for why the
// thread_local is only a pointer).
thread_local std::byte* t_recv_buffer = nullptr;

std::error_code add_to_epoll(int epoll_fd, int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return posix::last_error();
  }
  return {};
}

}  // namespace

// One connection slot. Every field is guarded by `mutex`; socket syscalls on `fd` happen under it
// too, so close() can never race a recv/send on a reused descriptor number.
struct EpollService::Conn {
  enum class Recv : std::uint8_t { idle, armed, queued };  // armed: waiting for EPOLLIN
  enum class Send : std::uint8_t { idle, armed, done };    // done: completion queued

  std::mutex mutex;
  std::uint32_t generation = 1;
  int fd = -1;
  bool in_use = false;
  bool closing = false;
  bool connecting = false;
  bool readable = true;        // no EAGAIN seen since the last edge: a recv may find data
  bool read_end_seen = false;  // EPOLLRDHUP/HUP/ERR came: an end of stream or error awaits a recv
  bool writable = true;
  Recv recv = Recv::idle;
  Send send = Send::idle;
  std::error_code send_ec;
  std::span<const ByteSpan> send_bufs;
  std::size_t send_index = 0;   // first buffer not fully written
  std::size_t send_offset = 0;  // bytes of send_bufs[send_index] already written
  // Operations started and not yet finished (armed, queued, or in the handler). The slot is
  // released only when this is 0 on a closing connection.
  std::uint32_t pending = 0;
};

EpollService::EpollService(IoHandler& handler, const IoConfig& config)
    : handler_(handler), config_(config), conns_(new Conn[config.max_connections]) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0 || stop_fd_ < 0) {
    throw std::system_error(posix::last_error(), "epoll/eventfd");
  }
  for (const auto& [fd, key] : {std::pair{wake_fd_, kWakeKey}, std::pair{stop_fd_, kStopKey}}) {
    if (const std::error_code ec = add_to_epoll(epoll_fd_, fd, EPOLLIN, key)) {
      throw std::system_error(ec, "epoll_ctl(ADD)");
    }
  }
  free_slots_.reserve(config.max_connections);
  for (std::uint32_t i = config.max_connections; i > 0; --i) {
    free_slots_.push_back(i - 1);  // lowest index first
  }
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

EpollService::~EpollService() {
  for (unsigned i = 0; i < config_.max_connections; ++i) {
    posix::close_fd(conns_[i].fd);
  }
  for (int fd : {listen_fd_, spare_fd_, wake_fd_, stop_fd_, epoll_fd_}) {
    posix::close_fd(fd);
  }
}

// ---------------------------------------------------------------- slots

EpollService::Conn* EpollService::lock_open(ConnId id, std::unique_lock<std::mutex>& lock) {
  if (id.index >= config_.max_connections) {
    return nullptr;
  }
  Conn& c = conns_[id.index];
  lock = std::unique_lock(c.mutex);
  if (c.generation != id.generation || !c.in_use || c.closing) {
    lock.unlock();
    return nullptr;  // stale id (the slot moved on) or already closing
  }
  return &c;
}

ConnId EpollService::allocate(int fd, bool connecting, std::error_code& ec) {
  std::uint32_t index = 0;
  {
    std::lock_guard lock(free_mutex_);
    if (free_slots_.empty()) {
      return {};
    }
    index = free_slots_.back();
    free_slots_.pop_back();
  }
  Conn& c = conns_[index];
  std::unique_lock lock(c.mutex);
  const ConnId id{index, c.generation};
  // Registered under the slot's lock: an event that comes at once waits for the fields below.
  if (const int fault = injected_fault(config_.faults.get(), SocketCall::register_socket)) {
    ec = posix::to_error(fault);
  } else {
    ec = add_to_epoll(epoll_fd_, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, id.packed());
  }
  if (ec) {
    lock.unlock();
    // Never in the epoll set and never handed out: the slot goes straight back, as it was.
    std::lock_guard free_lock(free_mutex_);
    free_slots_.push_back(index);
    return {};
  }
  c.fd = fd;
  c.in_use = true;
  c.closing = false;
  c.connecting = connecting;
  c.readable = true;
  c.read_end_seen = false;
  c.writable = !connecting;
  c.recv = Conn::Recv::idle;
  c.send = Conn::Send::idle;
  c.pending = 1;  // the accept or connect completion
  return id;
}

void EpollService::release_slot(ConnId id) {
  Conn& c = conns_[id.index];
  {
    std::lock_guard lock(c.mutex);
    c.in_use = false;
    c.closing = false;
    c.send_bufs = {};
    if (++c.generation == 0) {
      c.generation = 1;  // 0 means "invalid"
    }
  }
  std::lock_guard lock(free_mutex_);
  free_slots_.push_back(id.index);
}

void EpollService::finish_op_locked(Conn& c, ConnId id) {
  if (--c.pending == 0 && c.closing) {
    push_task(Task{Task::Kind::closed, id, {}, {}, {}});
  }
}

// ---------------------------------------------------------------- listener

std::error_code EpollService::listen(const Endpoint& at, Endpoint* bound) {
  std::error_code ec;
  const int fd = posix::open_stream_socket(at, ec);
  if (fd < 0) {
    return ec;
  }
  Endpoint local;
  ec = posix::bind_and_listen(fd, at, config_.listen_backlog, local);
  if (ec) {
    posix::close_fd(fd);
    return ec;
  }
  std::lock_guard lock(listener_mutex_);
  ec = add_to_epoll(epoll_fd_, fd, EPOLLIN, kListenerKey);  // level-triggered: accept in batches
  if (ec) {
    posix::close_fd(fd);
    return ec;
  }
  listen_fd_ = fd;
  if (bound != nullptr) {
    *bound = local;
  }
  return {};
}

void EpollService::stop_accepting() {
  std::lock_guard lock(listener_mutex_);
  if (listen_fd_ >= 0) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    posix::close_fd(listen_fd_);
    listen_fd_ = -1;
  }
}

void EpollService::on_listener_ready() {
  std::lock_guard lock(listener_mutex_);
  for (int i = 0; i < kAcceptsPerWake && listen_fd_ >= 0; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = -1;
    if (const int fault = injected_fault(config_.faults.get(), SocketCall::accept)) {
      errno = fault;
    } else {
      fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    }
    if (fd < 0) {
      const int error = errno;
      if ((error == EMFILE || error == ENFILE) && spare_fd_ >= 0) {
        // Out of descriptors: accept and drop one so the level-triggered listener does not spin.
        posix::close_fd(spare_fd_);
        posix::close_fd(::accept(listen_fd_, nullptr, nullptr));
        spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      if (!posix::is_routine_accept_error(error)) {
        // Short of memory, say. The connection stays queued and the level-triggered listener
        // brings this worker back for it.
        accept_warnings_.warn("accept4 failed: {} (errno {}); accepting again on the next wake",
                              posix::to_error(error).message(), error);
      }
      return;  // EAGAIN, or a connection that died in the backlog (ECONNABORTED...)
    }
    std::error_code ec;
    const ConnId id = allocate(fd, false, ec);
    if (!id.valid()) {
      if (ec) {
        register_warnings_.warn(
            "epoll_ctl(ADD) failed for an accepted connection: {} (errno {}); closed it, the "
            "server accepts on",
            ec.message(), ec.value());
      }
      // Else the table is full: the server sized it with room to reject politely.
      posix::close_fd(fd);
      continue;
    }
    posix::set_no_delay(fd);
    push_task(Task{Task::Kind::accept, id, {}, {}, posix::from_sockaddr(addr)});
  }
}

// ---------------------------------------------------------------- operations

ConnId EpollService::connect(const Endpoint& to, const Endpoint& from, std::error_code& ec) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!posix::to_sockaddr(to, addr, len)) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  const int fd = posix::open_stream_socket(to, ec);
  if (fd < 0) {
    return {};
  }
  if (!from.host.empty()) {
    ec = posix::bind_source(fd, from);
    if (ec) {
      posix::close_fd(fd);
      return {};
    }
  }
  posix::set_no_delay(fd);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), len);
  if (rc != 0 && errno != EINPROGRESS) {
    ec = posix::last_error();
    posix::close_fd(fd);
    return {};
  }
  const ConnId id = allocate(fd, true, ec);
  if (!id.valid()) {
    posix::close_fd(fd);
    if (!ec) {
      ec = std::make_error_code(std::errc::too_many_files_open);  // the table is full
    }
  }
  // Completion arrives via EPOLLOUT (or EPOLLERR), even if connect() already succeeded.
  return id;
}

void EpollService::start_recv(ConnId id) {
  std::unique_lock<std::mutex> lock;
  Conn* c = lock_open(id, lock);
  if (c == nullptr || c->recv != Conn::Recv::idle) {
    return;
  }
  ++c->pending;
  if (c->readable) {
    c->recv = Conn::Recv::queued;
    push_task(Task{Task::Kind::recv, id, {}, {}, {}});
  } else {
    c->recv = Conn::Recv::armed;
  }
}

void EpollService::perform_recv(ConnId id) {
  Conn& c = conns_[id.index];
  std::unique_lock lock(c.mutex);
  if (c.generation != id.generation || c.recv != Conn::Recv::queued) {
    return;
  }
  if (c.closing) {
    c.recv = Conn::Recv::idle;
    finish_op_locked(c, id);
    return;
  }
  ssize_t n = 0;
  do {
    n = ::recv(c.fd, t_recv_buffer, config_.recv_chunk_bytes, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    c.readable = false;
    c.recv = Conn::Recv::armed;  // EPOLLIN will bring us back
    return;
  }
  const std::error_code ec = n < 0 ? posix::last_error() : std::error_code{};
  if (n > 0 && static_cast<std::size_t>(n) < config_.recv_chunk_bytes && !c.read_end_seen) {
    // A short read emptied the socket: the next receive waits for EPOLLIN rather than spending a
    // recv() on EAGAIN. Data arriving after our recv() raises a new edge, and its on_event()
    // (which takes this lock) sets readable again. Not so once the peer's end of stream (or an
    // error) was signalled: its edge is spent, and the next recv() must still report it.
    c.readable = false;
  }
  c.recv = Conn::Recv::idle;
  lock.unlock();
  const std::size_t size = n > 0 ? static_cast<std::size_t>(n) : 0;
  handler_.on_recv(id, ByteSpan(t_recv_buffer, size), ec);
  lock.lock();
  finish_op_locked(c, id);
}

bool EpollService::write_some_locked(Conn& c, std::error_code& ec) {
  while (c.send_index < c.send_bufs.size()) {
    // Not zeroed: 8 KiB cleared per send was measurable, and only the first `count` are read.
    std::array<iovec, kMaxIov> iov;  // NOLINT(cppcoreguidelines-pro-type-member-init)
    std::size_t count = 0;
    for (std::size_t i = c.send_index; i < c.send_bufs.size() && count < kMaxIov; ++i) {
      const std::size_t skip = (i == c.send_index) ? c.send_offset : 0;
      iov[count].iov_base = const_cast<std::byte*>(c.send_bufs[i].data() + skip);
      iov[count].iov_len = c.send_bufs[i].size() - skip;
      ++count;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    const ssize_t n = ::sendmsg(c.fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        c.writable = false;
        return false;
      }
      ec = posix::last_error();
      return true;
    }
    auto left = static_cast<std::size_t>(n);
    while (left > 0 && c.send_index < c.send_bufs.size()) {
      const std::size_t rest = c.send_bufs[c.send_index].size() - c.send_offset;
      if (left >= rest) {
        left -= rest;
        ++c.send_index;
        c.send_offset = 0;
      } else {
        c.send_offset += left;
        left = 0;
      }
    }
  }
  return true;
}

void EpollService::start_send(ConnId id, std::span<const ByteSpan> buffers) {
  std::unique_lock<std::mutex> lock;
  Conn* c = lock_open(id, lock);
  if (c == nullptr || c->send != Conn::Send::idle) {
    return;
  }
  ++c->pending;
  c->send_bufs = buffers;
  c->send_index = 0;
  c->send_offset = 0;
  c->send_ec.clear();
  // Optimistic write on the caller's thread: on a healthy socket it finishes here, and only the
  // completion is queued.
  if (c->writable && !c->connecting && write_some_locked(*c, c->send_ec)) {
    c->send = Conn::Send::done;
    push_task(Task{Task::Kind::send_done, id, {}, {}, {}});
  } else {
    c->send = Conn::Send::armed;
  }
}

void EpollService::shutdown_send(ConnId id) {
  std::unique_lock<std::mutex> lock;
  if (Conn* c = lock_open(id, lock)) {
    ::shutdown(c->fd, SHUT_WR);
  }
}

void EpollService::close(ConnId id) {
  std::unique_lock<std::mutex> lock;
  Conn* c = lock_open(id, lock);
  if (c == nullptr) {
    return;
  }
  c->closing = true;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  posix::close_fd(c->fd);
  c->fd = -1;
  // Operations waiting on readiness are cancelled here; queued ones finish in their task.
  if (c->recv == Conn::Recv::armed) {
    c->recv = Conn::Recv::idle;
    --c->pending;
  }
  if (c->send == Conn::Send::armed) {
    c->send = Conn::Send::idle;
    --c->pending;
  }
  if (c->connecting) {
    c->connecting = false;
    --c->pending;
  }
  if (c->pending == 0) {
    push_task(Task{Task::Kind::closed, id, {}, {}, {}});
  }
}

void EpollService::post(std::function<void()> fn) {
  push_task(Task{Task::Kind::post, {}, {}, std::move(fn), {}});
}

// ---------------------------------------------------------------- worker loop

namespace {
thread_local void* t_worker = nullptr;  // the Worker of the service this thread runs, if any
}

void EpollService::push_task(Task task) {
  auto* w = static_cast<Worker*>(t_worker);
  if (w != nullptr && w->owner == this) {
    w->local.push_back(std::move(task));
    return;
  }
  bool was_empty = false;
  {
    std::lock_guard lock(shared_mutex_);
    was_empty = shared_queue_.empty();
    shared_queue_.push_back(std::move(task));
  }
  if (was_empty) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  }
}

void EpollService::drain_shared_queue(Worker& w) {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(wake_fd_, &count, sizeof count);
  std::lock_guard lock(shared_mutex_);
  for (auto& t : shared_queue_) {
    w.local.push_back(std::move(t));
  }
  shared_queue_.clear();
}

void EpollService::on_event(std::uint64_t key, std::uint32_t events) {
  const ConnId id = ConnId::from_packed(key);
  std::unique_lock<std::mutex> lock;
  Conn* open = lock_open(id, lock);
  if (open == nullptr) {
    return;  // an event for a connection already closed: its slot may hold a new one
  }
  Conn& c = *open;
  const bool failed = (events & (EPOLLERR | EPOLLHUP)) != 0;
  if ((events & (EPOLLIN | EPOLLRDHUP)) != 0 || failed) {
    c.readable = true;
    if ((events & EPOLLRDHUP) != 0 || failed) {
      c.read_end_seen = true;
    }
    if (c.recv == Conn::Recv::armed) {
      c.recv = Conn::Recv::queued;
      push_task(Task{Task::Kind::recv, id, {}, {}, {}});
    }
  }
  if ((events & EPOLLOUT) != 0 || failed) {
    c.writable = true;
    if (c.connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      c.connecting = false;
      push_task(Task{Task::Kind::connect_done,
                     id,
                     err != 0 ? posix::to_error(err) : std::error_code{},
                     {},
                     {}});
    }
    if (c.send == Conn::Send::armed && write_some_locked(c, c.send_ec)) {
      c.send = Conn::Send::done;
      push_task(Task{Task::Kind::send_done, id, {}, {}, {}});
    }
  }
}

void EpollService::run_task(Task& task) {
  Conn* c = task.id.valid() ? &conns_[task.id.index] : nullptr;
  switch (task.kind) {
    case Task::Kind::post:
      task.fn();
      return;
    case Task::Kind::recv:
      perform_recv(task.id);
      return;
    case Task::Kind::closed:
      handler_.on_closed(task.id);
      release_slot(task.id);
      return;
    case Task::Kind::accept:
    case Task::Kind::connect_done:
    case Task::Kind::send_done: {
      std::unique_lock lock(c->mutex);
      std::error_code ec = task.ec;
      if (task.kind == Task::Kind::send_done) {
        c->send = Conn::Send::idle;
        ec = c->send_ec;
      }
      if (!c->closing) {
        lock.unlock();
        if (task.kind == Task::Kind::accept) {
          handler_.on_accept(task.id, task.peer);
        } else if (task.kind == Task::Kind::connect_done) {
          handler_.on_connect(task.id, ec);
        } else {
          handler_.on_send(task.id, ec);
        }
        lock.lock();
      }
      finish_op_locked(*c, task.id);
      return;
    }
  }
}

void EpollService::run() {
  Worker worker{this, {}};
  t_worker = &worker;
  std::vector<std::byte> recv_buffer(config_.recv_chunk_bytes);
  t_recv_buffer = recv_buffer.data();
  std::array<epoll_event, kEventsPerWait> events{};
  std::vector<Task> batch;
  WaitPolicy wait(config_.busy_poll);
  while (!stopping_.load(std::memory_order_acquire)) {
    const bool block = worker.local.empty() && wait.may_block();
    const int n = ::epoll_wait(epoll_fd_, events.data(), kEventsPerWait, block ? -1 : 0);
    wait.after_wait(n > 0);
    for (int i = 0; i < n; ++i) {
      const std::uint64_t key = events[static_cast<std::size_t>(i)].data.u64;
      if (key == kStopKey) {
        continue;
      } else if (key == kWakeKey) {
        drain_shared_queue(worker);
      } else if (key == kListenerKey) {
        on_listener_ready();
      } else {
        on_event(key, events[static_cast<std::size_t>(i)].events);
      }
    }
    batch.swap(worker.local);
    for (Task& task : batch) {
      run_task(task);
    }
    batch.clear();
    wait.after_batch(handler_.on_batch_end());
  }
  // Hand unfinished work to the workers still running (if any) rather than dropping it.
  t_worker = nullptr;
  t_recv_buffer = nullptr;
  for (Task& task : worker.local) {
    push_task(std::move(task));
  }
}

void EpollService::stop() {
  stopping_.store(true, std::memory_order_release);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(stop_fd_, &one, sizeof one);
}

}  // namespace chat::net
