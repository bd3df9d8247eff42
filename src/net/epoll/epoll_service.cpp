#include "epoll_service.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>

#include "../posix/posix_socket.h"
#include "../socket_faults.h"
#include "../wait_policy.h"

namespace chat::net {
namespace {

constexpr std::uint64_t kListenerKey = ~std::uint64_t{0};
constexpr std::uint64_t kWakeKey = ~std::uint64_t{0} - 1;
constexpr std::uint64_t kStopKey = ~std::uint64_t{0} - 2;
constexpr int kEventsPerWait = 128;
constexpr int kAcceptsPerWake = 64;  // then let the worker serve completions too
constexpr std::size_t kMaxIov = kMaxSendBuffers;

std::error_code add_to_epoll(int epoll_fd, int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return posix::last_error();
  }
  return {};
}

void signal_eventfd(int fd) {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(fd, &one, sizeof one);
}

}  // namespace

// One connection slot. Every field is guarded by `mutex`; socket syscalls on `fd` happen under it
// too, so close() can never race a recv/send on a reused descriptor number. Recv::waiting: for
// EPOLLIN; Send::waiting: for EPOLLOUT (or for the connection to be up).
struct EpollService::Conn : PosixConn {
  // No EAGAIN (nor a short read) seen since the last EPOLLIN edge: a recv may find data, so a
  // new receive reads at once instead of waiting for the next edge.
  bool may_have_data = true;
  bool read_end_seen = false;  // EPOLLRDHUP/HUP/ERR came: an end of stream or error awaits a recv
  bool writable = true;        // no EAGAIN seen on a send since the last EPOLLOUT edge
};

EpollService::EpollService(IoHandler& handler, const IoConfig& config)
    : PosixCore(handler, config, [this] { signal_eventfd(wake_fd_); }),
      conns_(std::make_unique<ConnectionTable<Conn>>(config.max_connections)) {
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
  spare_fd_ = posix::open_spare_fd();
}

EpollService::~EpollService() {
  for (unsigned i = 0; i < conns_->capacity(); ++i) {
    posix::close_fd(conns_->at(i).fd);
  }
  for (int fd : {listen_fd_, spare_fd_, wake_fd_, stop_fd_, epoll_fd_}) {
    posix::close_fd(fd);
  }
}

// ---------------------------------------------------------------- slots

PosixConn& EpollService::conn_at(std::uint32_t index) {
  return conns_->at(index);
}

PosixConn* EpollService::lock_open_conn(ConnId id, std::unique_lock<std::mutex>& lock) {
  return conns_->lock_open(id, lock);
}

ConnId EpollService::allocate(int fd, bool connecting, std::error_code& ec) {
  const std::optional<std::uint32_t> index = conns_->take_free();
  if (!index) {
    return {};
  }
  Conn& c = conns_->at(*index);
  std::unique_lock lock(c.mutex);
  const ConnId id{*index, c.generation};
  // Registered under the slot's lock: an event that comes at once waits for the fields below.
  if (const int fault = injected_fault(config_.faults.get(), SocketCall::register_socket)) {
    ec = posix::to_error(fault);
  } else {
    ec = add_to_epoll(epoll_fd_, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, id.packed());
  }
  if (ec) {
    lock.unlock();
    conns_->put_back(*index);  // never in the epoll set and never handed out
    return {};
  }
  c.fd = fd;
  c.connecting = connecting;
  c.may_have_data = true;
  c.read_end_seen = false;
  c.writable = !connecting;
  c.recv = Conn::Recv::idle;
  c.send = Conn::Send::idle;
  return conns_->open_locked(*index);
}

void EpollService::release_slot(ConnId id) {
  conns_->release(id, [](Conn& c) { c.send_left.clear(); });
}

// ---------------------------------------------------------------- listener

std::error_code EpollService::listen(const Endpoint& at, Endpoint* bound) {
  std::error_code ec;
  Endpoint local;
  const int fd = posix::open_listener(at, config_.listen_backlog, local, ec);
  if (fd < 0) {
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
      // Out of descriptors: accept and drop one so the level-triggered listener does not spin.
      if ((error == EMFILE || error == ENFILE) && posix::accept_and_drop(listen_fd_, spare_fd_)) {
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
    tasks_.push(Task{Task::Kind::accept, id, {}, {}, posix::from_sockaddr(addr)});
  }
}

// ---------------------------------------------------------------- operations

void EpollService::start_recv(ConnId id) {
  std::unique_lock<std::mutex> lock;
  Conn* c = conns_->lock_open(id, lock);
  if (c == nullptr || c->recv != Conn::Recv::idle) {
    return;
  }
  ++c->pending;
  if (c->may_have_data) {
    queue_recv_locked(*c, id);
  } else {
    c->recv = Conn::Recv::waiting;  // for EPOLLIN
  }
}

void EpollService::perform_recv(ConnId id) {
  Conn& c = conns_->at(id.index);
  std::unique_lock lock(c.mutex);
  if (!recv_queued_locked(c, id)) {
    return;
  }
  const ssize_t n = recv_some(c.fd);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    c.may_have_data = false;
    c.recv = Conn::Recv::waiting;  // EPOLLIN will bring us back
    return;
  }
  if (n > 0 && static_cast<std::size_t>(n) < config_.recv_chunk_bytes && !c.read_end_seen) {
    // A short read emptied the socket: the next receive waits for EPOLLIN rather than spending a
    // recv() on EAGAIN. Data arriving after our recv() raises a new edge, and its on_event()
    // (which takes this lock) sets may_have_data again. Not so once the peer's end of stream (or
    // an error) was signalled: its edge is spent, and the next recv() must still report it.
    c.may_have_data = false;
  }
  deliver_recv(c, id, lock, n);
}

bool EpollService::write_some_locked(Conn& c, std::error_code& ec) {
  while (!c.send_left.done()) {
    // Not zeroed: 8 KiB cleared per send was measurable, and only the first `count` are read.
    std::array<iovec, kMaxIov> iov;  // NOLINT(cppcoreguidelines-pro-type-member-init)
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = c.send_left.for_each_left(
        kMaxIov, [&](std::size_t i, const std::byte* data, std::size_t size) {
          iov[i] = iovec{const_cast<std::byte*>(data), size};
        });
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
    c.send_left.advance(static_cast<std::size_t>(n));
  }
  return true;
}

void EpollService::start_send(ConnId id, std::span<const ByteSpan> buffers) {
  std::unique_lock<std::mutex> lock;
  Conn* c = conns_->lock_open(id, lock);
  if (c == nullptr || c->send != Conn::Send::idle) {
    return;
  }
  ++c->pending;
  c->send_left.reset(buffers);
  c->send_ec.clear();
  // Optimistic write on the caller's thread: on a healthy socket it finishes here, and only the
  // completion is queued.
  if (c->writable && !c->connecting && write_some_locked(*c, c->send_ec)) {
    c->send = Conn::Send::done;
    queue(Task::Kind::send_done, id);
  } else {
    c->send = Conn::Send::waiting;
  }
}

void EpollService::close(ConnId id) {
  std::unique_lock<std::mutex> lock;
  Conn* c = conns_->lock_open(id, lock);
  if (c == nullptr) {
    return;
  }
  c->closing = true;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  posix::close_fd(c->fd);
  c->fd = -1;
  // Operations waiting on readiness are cancelled here; queued ones finish in their task.
  if (c->recv == Conn::Recv::waiting) {
    c->recv = Conn::Recv::idle;
    --c->pending;
  }
  if (c->send == Conn::Send::waiting) {
    c->send = Conn::Send::idle;
    --c->pending;
  }
  if (c->connecting) {
    c->connecting = false;
    --c->pending;
  }
  if (c->pending == 0) {
    queue(Task::Kind::closed, id);
  }
}

// ---------------------------------------------------------------- worker loop

void EpollService::on_event(std::uint64_t key, std::uint32_t events) {
  const ConnId id = ConnId::from_packed(key);
  std::unique_lock<std::mutex> lock;
  Conn* open = conns_->lock_open(id, lock);
  if (open == nullptr) {
    return;  // an event for a connection already closed: its slot may hold a new one
  }
  Conn& c = *open;
  const bool failed = (events & (EPOLLERR | EPOLLHUP)) != 0;
  if ((events & (EPOLLIN | EPOLLRDHUP)) != 0 || failed) {
    c.may_have_data = true;
    if ((events & EPOLLRDHUP) != 0 || failed) {
      c.read_end_seen = true;
    }
    if (c.recv == Conn::Recv::waiting) {
      queue_recv_locked(c, id);
    }
  }
  if ((events & EPOLLOUT) != 0 || failed) {
    c.writable = true;
    if (c.connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      c.connecting = false;
      queue(Task::Kind::connect_done, id, err != 0 ? posix::to_error(err) : std::error_code{});
    }
    if (c.send == Conn::Send::waiting && write_some_locked(c, c.send_ec)) {
      c.send = Conn::Send::done;
      queue(Task::Kind::send_done, id);
    }
  }
}

void EpollService::run() {
  WorkerScope worker(*this);
  std::array<epoll_event, kEventsPerWait> events{};
  WaitPolicy wait(config_.busy_poll);
  while (!stopping_.load(std::memory_order_acquire)) {
    const bool block = !has_tasks() && wait.may_block();
    const int n = ::epoll_wait(epoll_fd_, events.data(), kEventsPerWait, block ? -1 : 0);
    wait.after_wait(n > 0);
    for (int i = 0; i < n; ++i) {
      const std::uint64_t key = events[static_cast<std::size_t>(i)].data.u64;
      if (key == kStopKey) {
        continue;
      } else if (key == kWakeKey) {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto read = ::read(wake_fd_, &count, sizeof count);
        tasks_.drain_shared();
      } else if (key == kListenerKey) {
        on_listener_ready();
      } else {
        on_event(key, events[static_cast<std::size_t>(i)].events);
      }
    }
    run_tasks_and_end_batch(wait);
  }
  // Leaving the scope hands unfinished tasks to the workers still running (if any).
}

void EpollService::stop() {
  stopping_.store(true, std::memory_order_release);
  signal_eventfd(stop_fd_);
}

}  // namespace chat::net
