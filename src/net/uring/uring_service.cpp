#include "uring_service.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <thread>

#include "../posix/posix_socket.h"
#include "../retry_backoff.h"
#include "../socket_faults.h"
#include "../wait_policy.h"
#include "uring_factory.h"

namespace chat::net {
namespace {

// What an SQE is for, in the top byte of its user_data; the low 32 bits carry the slot index.
// The slot cannot be reused while one of its operations is in the ring (Conn::pending), so the
// index alone names the connection.
enum class Op : std::uint8_t { recv_poll = 1, send, connect_poll, accept, wake, stop, cancel };

std::uint64_t tag(Op op, std::uint32_t index = 0) {
  return (std::uint64_t{static_cast<std::uint8_t>(op)} << 56) | index;
}
Op op_of(std::uint64_t user_data) {
  return static_cast<Op>(user_data >> 56);
}

// Sockets in the ring are blocking: io_uring answers EAGAIN for an O_NONBLOCK socket instead of
// waiting for it to be ready. Only a connect() runs non-blocking until it is done, and the
// worker's own recv() passes MSG_DONTWAIT.
constexpr int kSocketFlags = SOCK_CLOEXEC;

constexpr unsigned kSubmissionEntries = 1024;
constexpr unsigned kCompletionsPerReap = 256;
constexpr std::size_t kMaxIov = kMaxSendBuffers;  // 8 KiB of iovecs per send in flight

// The running worker's receive buffer and Worker; both live in run() (see iocp_service.cpp for
// why the thread_locals are only pointers).
thread_local std::byte* t_recv_buffer = nullptr;
thread_local void* t_worker = nullptr;

unsigned round_up_to_power_of_two(unsigned n) {
  unsigned p = 1;
  while (p < n && p < (1u << 30)) {
    p <<= 1;
  }
  return p;
}

}  // namespace

// The msghdr and iovec of one SENDMSG. The kernel copies both when it takes the SQE
// (IORING_FEAT_SUBMIT_STABLE), but a worker's SQEs are taken at its next submit, so they live
// until the completion. Allocated per send: an idle connection holds none.
struct UringService::SendMsg {
  msghdr msg{};
  std::array<iovec, kMaxIov> iov{};
};

// One connection slot. Every field is guarded by `mutex`, and so is every SQE prepared for the
// connection, so a close() and its cancels are ordered after the operations they cancel.
struct UringService::Conn {
  enum class Recv : std::uint8_t { idle, polling, queued };  // queued: a recv() task is queued
  enum class Send : std::uint8_t { idle, after_connect, in_flight, done };

  std::mutex mutex;
  std::uint32_t generation = 1;
  int fd = -1;
  bool in_use = false;
  bool closing = false;
  bool connecting = false;  // its POLLOUT is in the ring
  bool readable = false;    // the last recv() filled the buffer: recv() again before polling
  Recv recv = Recv::idle;
  Send send = Send::idle;
  std::error_code send_ec;
  std::span<const ByteSpan> send_bufs;
  std::size_t send_index = 0;
  std::size_t send_offset = 0;
  std::unique_ptr<SendMsg> send_msg;
  // Operations started and not yet finished (in the ring, queued as a task, or in the handler).
  // While it is above 0 the slot and its descriptor stay; a closing connection with none left
  // closes its descriptor and queues on_closed().
  std::uint32_t pending = 0;
};

UringService::UringService(IoHandler& handler, const IoConfig& config)
    : handler_(handler), config_(config), conns_(new Conn[config.max_connections]) {
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL;
  // Room for every connection's poll and send plus a burst of accepts; beyond that the kernel
  // keeps overflowing completions itself (IORING_FEAT_NODROP, checked below).
  params.cq_entries = std::max(4096u, round_up_to_power_of_two(4 * config.max_connections));
  int rc = io_uring_queue_init_params(kSubmissionEntries, &ring_, &params);
  if (rc == -EINVAL) {  // a kernel before 5.18 has no SUBMIT_ALL
    const unsigned cq_entries = params.cq_entries;
    params = {};
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
    params.cq_entries = cq_entries;
    rc = io_uring_queue_init_params(kSubmissionEntries, &ring_, &params);
  }
  if (rc < 0) {
    throw std::system_error(posix::to_error(-rc), "io_uring_setup");
  }
  const unsigned needed = IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE;
  io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  bool supported = probe != nullptr && (params.features & needed) == needed;
  for (int op : {IORING_OP_NOP, IORING_OP_POLL_ADD, IORING_OP_SENDMSG, IORING_OP_ACCEPT,
                 IORING_OP_ASYNC_CANCEL}) {
    supported = supported && io_uring_opcode_supported(probe, op) != 0;
  }
  io_uring_free_probe(probe);
  if (!supported) {
    io_uring_queue_exit(&ring_);
    throw std::runtime_error("the kernel's io_uring lacks what this backend needs (Linux 5.6+)");
  }
  timed_waits_ = (params.features & IORING_FEAT_EXT_ARG) != 0;
  free_slots_.reserve(config.max_connections);
  for (std::uint32_t i = config.max_connections; i > 0; --i) {
    free_slots_.push_back(i - 1);  // lowest index first
  }
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

UringService::~UringService() {
  for (unsigned i = 0; i < config_.max_connections; ++i) {
    posix::close_fd(conns_[i].fd);
  }
  posix::close_fd(listen_fd_);
  posix::close_fd(spare_fd_);
  io_uring_queue_exit(&ring_);
}

// ---------------------------------------------------------------- submission

template <typename Prep>
void UringService::queue_sqe(std::uint64_t user_data, bool now, Prep&& prep) {
  const auto* w = static_cast<Worker*>(t_worker);
  const bool on_worker = w != nullptr && w->owner == this;
  std::lock_guard lock(sq_mutex_);
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {  // the ring is full: hand it to the kernel to free entries
    submit_locked();
    sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
      std::this_thread::yield();
    }
  }
  prep(sqe);
  io_uring_sqe_set_data64(sqe, user_data);
  if (now || !on_worker) {
    submit_locked();
  }
}

bool UringService::submit_locked() {
  while (io_uring_sq_ready(&ring_) > 0) {
    const int fault = injected_fault(config_.faults.get(), SocketCall::submit);
    const int rc = fault != 0 ? -fault : io_uring_submit(&ring_);
    if (rc == -EINTR) {
      continue;
    }
    if (rc <= 0) {
      // -EAGAIN/-EBUSY/-ENOMEM: the kernel is short of memory, or of room for completions. The
      // entries stay in the ring, and the next submit (a worker's, see run()) tries again.
      if (rc < 0) {
        submit_warnings_.warn(
            "io_uring_submit failed: {} (errno {}); its {} entries are submitted "
            "again shortly",
            posix::to_error(-rc).message(), -rc, io_uring_sq_ready(&ring_));
      }
      return false;
    }
  }
  return true;
}

bool UringService::submit_pending() {
  std::lock_guard lock(sq_mutex_);
  return submit_locked();
}

// ---------------------------------------------------------------- slots

UringService::Conn* UringService::lock_open(ConnId id, std::unique_lock<std::mutex>& lock) {
  if (id.index >= config_.max_connections) {
    return nullptr;
  }
  Conn& c = conns_[id.index];
  lock = std::unique_lock(c.mutex);
  if (c.generation != id.generation || !c.in_use || c.closing) {
    lock.unlock();
    return nullptr;
  }
  return &c;
}

ConnId UringService::allocate(int fd, bool connecting) {
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
  std::lock_guard lock(c.mutex);
  c.fd = fd;
  c.in_use = true;
  c.closing = false;
  c.connecting = connecting;
  c.readable = false;  // a poll checks readiness when it is armed: nothing is missed
  c.recv = Conn::Recv::idle;
  c.send = Conn::Send::idle;
  c.pending = 1;  // the accept or connect completion
  if (connecting) {
    queue_sqe(tag(Op::connect_poll, index), false,
              [&](io_uring_sqe* sqe) { io_uring_prep_poll_add(sqe, fd, POLLOUT); });
  }
  return ConnId{index, c.generation};
}

void UringService::release_slot(ConnId id) {
  Conn& c = conns_[id.index];
  {
    std::lock_guard lock(c.mutex);
    c.in_use = false;
    c.closing = false;
    c.send_bufs = {};
    c.send_msg.reset();
    if (++c.generation == 0) {
      c.generation = 1;
    }
  }
  std::lock_guard lock(free_mutex_);
  free_slots_.push_back(id.index);
}

void UringService::finish_op_locked(Conn& c, ConnId id) {
  if (--c.pending == 0 && c.closing) {
    posix::close_fd(c.fd);  // nothing in the ring refers to it any more
    c.fd = -1;
    push_task(Task{Task::Kind::closed, id, {}, {}, {}});
  }
}

// ---------------------------------------------------------------- listener

std::error_code UringService::listen(const Endpoint& at, Endpoint* bound) {
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
  posix::set_non_blocking(fd, false);  // see kSocketFlags
  {
    std::lock_guard lock(listener_mutex_);
    listen_fd_ = fd;
  }
  arm_accept();
  if (bound != nullptr) {
    *bound = local;
  }
  return {};
}

void UringService::arm_accept() {
  std::lock_guard lock(listener_mutex_);
  if (listen_fd_ < 0) {
    return;
  }
  queue_sqe(tag(Op::accept), true, [&](io_uring_sqe* sqe) {
    if (multishot_accept_) {
      io_uring_prep_multishot_accept(sqe, listen_fd_, nullptr, nullptr, kSocketFlags);
    } else {
      io_uring_prep_accept(sqe, listen_fd_, nullptr, nullptr, kSocketFlags);
    }
  });
}

void UringService::stop_accepting() {
  std::lock_guard lock(listener_mutex_);
  if (listen_fd_ >= 0) {
    // The ring holds its own reference to the socket: shutdown() stops the listening at once
    // (close() alone would not), and the cancel takes the accept out of the ring.
    ::shutdown(listen_fd_, SHUT_RDWR);
    queue_sqe(tag(Op::cancel), true,
              [](io_uring_sqe* sqe) { io_uring_prep_cancel64(sqe, tag(Op::accept), 0); });
    posix::close_fd(listen_fd_);
    listen_fd_ = -1;
  }
}

void UringService::on_accepted(std::int32_t res, std::uint32_t flags) {
  if (res >= 0) {
    if (const int fault = injected_fault(config_.faults.get(), SocketCall::accept)) {
      posix::close_fd(res);  // as if the accept had failed: the connection is gone
      res = -fault;
    }
  }
  if (res >= 0) {
    const int fd = res;
    const ConnId id = allocate(fd, false);
    if (!id.valid()) {
      posix::close_fd(fd);  // the table is full: the server sized it with room to reject politely
    } else {
      posix::set_no_delay(fd);
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len);
      push_task(Task{Task::Kind::accept, id, {}, {}, posix::from_sockaddr(addr)});
    }
  } else if (res == -EMFILE || res == -ENFILE) {
    std::lock_guard lock(listener_mutex_);
    pollfd ready{listen_fd_, POLLIN, 0};
    if (listen_fd_ >= 0 && spare_fd_ >= 0 && ::poll(&ready, 1, 0) == 1) {
      // Out of descriptors: accept and drop one, or the accept would fail on it for ever. (The
      // poll first, since the listener blocks.)
      posix::close_fd(spare_fd_);
      posix::close_fd(::accept(listen_fd_, nullptr, nullptr));
      spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
  } else if (res == -EINVAL) {
    std::lock_guard lock(listener_mutex_);
    if (listen_fd_ >= 0) {
      multishot_accept_ = false;  // before Linux 5.19: one accept per SQE
    }
  } else if (res != -ECANCELED && !posix::is_routine_accept_error(-res)) {
    accept_warnings_.warn("accept (io_uring) failed: {} (errno {}); the server accepts on",
                          posix::to_error(-res).message(), -res);
  }
  if ((flags & IORING_CQE_F_MORE) == 0 && res != -ECANCELED) {
    arm_accept();  // a one-shot accept, or a multishot one the kernel ended
  }
}

// ---------------------------------------------------------------- operations

ConnId UringService::connect(const Endpoint& to, const Endpoint& from, std::error_code& ec) {
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
  const ConnId id = allocate(fd, true);  // its POLLOUT reports the outcome, even an immediate one
  if (!id.valid()) {
    posix::close_fd(fd);
    ec = std::make_error_code(std::errc::too_many_files_open);
  }
  return id;
}

void UringService::arm_recv_poll_locked(Conn& c, ConnId id) {
  c.recv = Conn::Recv::polling;
  queue_sqe(tag(Op::recv_poll, id.index), false,
            [&](io_uring_sqe* sqe) { io_uring_prep_poll_add(sqe, c.fd, POLLIN | POLLRDHUP); });
}

void UringService::start_recv(ConnId id) {
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
    arm_recv_poll_locked(*c, id);
  }
}

void UringService::perform_recv(ConnId id) {
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
    n = ::recv(c.fd, t_recv_buffer, config_.recv_chunk_bytes, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    c.readable = false;
    arm_recv_poll_locked(c, id);  // still pending: the poll carries on this receive
    return;
  }
  const std::error_code ec = n < 0 ? posix::last_error() : std::error_code{};
  // A full buffer suggests more is waiting: read again straight away next time. A short read
  // emptied the socket: wait for a poll first rather than spend a recv() on EAGAIN.
  c.readable = n > 0 && static_cast<std::size_t>(n) == config_.recv_chunk_bytes;
  c.recv = Conn::Recv::idle;
  lock.unlock();
  const std::size_t size = n > 0 ? static_cast<std::size_t>(n) : 0;
  handler_.on_recv(id, ByteSpan(t_recv_buffer, size), ec);
  lock.lock();
  finish_op_locked(c, id);
}

void UringService::submit_send_locked(Conn& c, ConnId id) {
  if (!c.send_msg) {
    c.send_msg = std::make_unique<SendMsg>();
  }
  SendMsg& m = *c.send_msg;
  std::size_t count = 0;
  for (std::size_t i = c.send_index; i < c.send_bufs.size() && count < kMaxIov; ++i) {
    const std::size_t skip = (i == c.send_index) ? c.send_offset : 0;
    m.iov[count].iov_base = const_cast<std::byte*>(c.send_bufs[i].data() + skip);
    m.iov[count].iov_len = c.send_bufs[i].size() - skip;
    ++count;
  }
  m.msg = {};
  m.msg.msg_iov = m.iov.data();
  m.msg.msg_iovlen = count;
  c.send = Conn::Send::in_flight;
  queue_sqe(tag(Op::send, id.index), false,
            [&](io_uring_sqe* sqe) { io_uring_prep_sendmsg(sqe, c.fd, &m.msg, MSG_NOSIGNAL); });
}

void UringService::start_send(ConnId id, std::span<const ByteSpan> buffers) {
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
  if (c->connecting) {
    c->send = Conn::Send::after_connect;  // submitted once the connection is up
  } else {
    submit_send_locked(*c, id);
  }
}

void UringService::shutdown_send(ConnId id) {
  std::unique_lock<std::mutex> lock;
  if (Conn* c = lock_open(id, lock)) {
    ::shutdown(c->fd, SHUT_WR);
  }
}

void UringService::close(ConnId id) {
  std::unique_lock<std::mutex> lock;
  Conn* c = lock_open(id, lock);
  if (c == nullptr) {
    return;
  }
  c->closing = true;
  // What is in the ring is cancelled; each cancelled operation still completes (-ECANCELED)
  // and finishes there. Queued tasks finish when they run.
  const auto cancel = [this](std::uint64_t target) {
    queue_sqe(tag(Op::cancel), false,
              [&](io_uring_sqe* sqe) { io_uring_prep_cancel64(sqe, target, 0); });
  };
  if (c->recv == Conn::Recv::polling) {
    cancel(tag(Op::recv_poll, id.index));
  }
  if (c->send == Conn::Send::in_flight) {
    cancel(tag(Op::send, id.index));
  } else if (c->send == Conn::Send::after_connect) {
    c->send = Conn::Send::idle;
    --c->pending;
  }
  if (c->connecting) {
    cancel(tag(Op::connect_poll, id.index));
  }
  if (c->pending == 0) {
    posix::close_fd(c->fd);
    c->fd = -1;
    push_task(Task{Task::Kind::closed, id, {}, {}, {}});
  }
}

void UringService::post(std::function<void()> fn) {
  push_task(Task{Task::Kind::post, {}, {}, std::move(fn), {}});
}

// ---------------------------------------------------------------- completions

void UringService::on_completion(const Completion& done) {
  const Op op = op_of(done.user_data);
  if (op == Op::wake) {
    drain_shared_queue(*static_cast<Worker*>(t_worker));
    return;
  }
  if (op == Op::accept) {
    on_accepted(done.res, done.flags);
    return;
  }
  if (op != Op::recv_poll && op != Op::send && op != Op::connect_poll) {
    return;  // stop, cancel: nothing to do
  }
  const auto index = static_cast<std::uint32_t>(done.user_data);
  Conn& c = conns_[index];
  std::lock_guard lock(c.mutex);
  const ConnId id{index, c.generation};
  if (op == Op::recv_poll) {
    if (c.closing) {
      c.recv = Conn::Recv::idle;
      finish_op_locked(c, id);
    } else {
      c.recv = Conn::Recv::queued;  // recv() reports whatever the poll saw, data or error
      push_task(Task{Task::Kind::recv, id, {}, {}, {}});
    }
    return;
  }
  if (op == Op::connect_poll) {
    c.connecting = false;
    if (c.closing) {
      finish_op_locked(c, id);
      return;
    }
    int err = done.res < 0 ? -done.res : 0;
    socklen_t len = sizeof err;
    if (err == 0) {
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    if (err == 0) {
      posix::set_non_blocking(c.fd, false);  // see kSocketFlags
    }
    push_task(Task{
        Task::Kind::connect_done, id, err != 0 ? posix::to_error(err) : std::error_code{}, {}, {}});
    if (c.send == Conn::Send::after_connect) {
      if (err == 0) {
        submit_send_locked(c, id);
      } else {
        c.send_ec = posix::to_error(err);
        c.send = Conn::Send::done;
        push_task(Task{Task::Kind::send_done, id, {}, {}, {}});
      }
    }
    return;
  }
  // Op::send
  if (c.closing) {
    c.send = Conn::Send::idle;
    finish_op_locked(c, id);
    return;
  }
  if (done.res < 0) {
    c.send_ec = posix::to_error(-done.res);
  } else {
    auto left = static_cast<std::size_t>(done.res);
    while (c.send_index < c.send_bufs.size()) {
      const std::size_t rest = c.send_bufs[c.send_index].size() - c.send_offset;
      if (left < rest) {
        c.send_offset += left;
        break;
      }
      left -= rest;
      ++c.send_index;
      c.send_offset = 0;
    }
    if (c.send_index < c.send_bufs.size()) {
      if (done.res == 0) {
        c.send_ec = std::make_error_code(std::errc::broken_pipe);  // wrote nothing: give up
      } else {
        submit_send_locked(c, id);  // a short write: send the rest
        return;
      }
    }
  }
  c.send = Conn::Send::done;
  c.send_msg.reset();
  push_task(Task{Task::Kind::send_done, id, {}, {}, {}});
}

// ---------------------------------------------------------------- worker loop

void UringService::push_task(Task task) {
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
    queue_sqe(tag(Op::wake), true, [](io_uring_sqe* sqe) { io_uring_prep_nop(sqe); });
  }
}

void UringService::drain_shared_queue(Worker& w) {
  std::lock_guard lock(shared_mutex_);
  for (auto& t : shared_queue_) {
    w.local.push_back(std::move(t));
  }
  shared_queue_.clear();
}

void UringService::run_task(Task& task) {
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

bool UringService::reap(std::vector<Completion>& out, bool wait, std::chrono::milliseconds limit,
                        bool& wait_failed) {
  std::unique_lock lock(cq_mutex_, std::defer_lock);
  if (wait) {
    lock.lock();
  } else if (!lock.try_lock()) {
    // Another worker waits in the kernel, possibly for what our own queued tasks will start:
    // run them rather than queue behind it.
    return !stopping_.load(std::memory_order_acquire);
  }
  if (stopping_.load(std::memory_order_acquire)) {
    return false;
  }
  if (wait) {
    io_uring_cqe* first = nullptr;
    int rc = 0;
    do {
      if (const int fault = injected_fault(config_.faults.get(), SocketCall::wait)) {
        rc = -fault;
      } else if (limit.count() > 0) {
        __kernel_timespec timeout{};
        timeout.tv_sec = limit.count() / 1000;
        timeout.tv_nsec = (limit.count() % 1000) * 1'000'000;
        rc = io_uring_wait_cqe_timeout(&ring_, &first, &timeout);
      } else {
        rc = io_uring_wait_cqe(&ring_, &first);
      }
    } while (rc == -EINTR);
    if (rc < 0 && rc != -ETIME) {
      // Not fatal: this worker takes what is there, pauses (run()) and waits again.
      wait_warnings_.warn("io_uring_wait_cqe failed: {} (errno {}); waiting again after a pause",
                          posix::to_error(-rc).message(), -rc);
      wait_failed = true;
    }
  }
  std::array<io_uring_cqe*, kCompletionsPerReap> cqes{};
  const unsigned n = io_uring_peek_batch_cqe(&ring_, cqes.data(), kCompletionsPerReap);
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(Completion{cqes[i]->user_data, cqes[i]->res, cqes[i]->flags});
  }
  io_uring_cq_advance(&ring_, n);
  return true;
}

void UringService::run() {
  Worker worker{this, {}};
  t_worker = &worker;
  std::vector<std::byte> recv_buffer(config_.recv_chunk_bytes);
  t_recv_buffer = recv_buffer.data();
  std::vector<Completion> completions;
  completions.reserve(kCompletionsPerReap);
  std::vector<Task> batch;
  WaitPolicy wait(config_.busy_poll);
  // While the kernel refuses this worker's submits, it waits for completions only so long before
  // trying again (else entries it queued, maybe a new connection's first poll, would sit in the
  // ring until some other completion came); while it refuses waits, the worker pauses between.
  RetryBackoff submit_backoff;
  RetryBackoff wait_backoff;
  while (!stopping_.load(std::memory_order_acquire)) {
    bool block = worker.local.empty() && wait.may_block();
    std::chrono::milliseconds limit{0};  // how long a blocking wait may last; 0: for ever
    if (submit_pending()) {  // what the last batch started goes to the kernel in one call
      submit_backoff.reset();
    } else {
      limit = submit_backoff.next();
      if (block && !timed_waits_) {
        // A timed wait would need an SQE of its own before Linux 5.11 (no EXT_ARG).
        std::this_thread::sleep_for(limit);
        block = false;
      }
    }
    completions.clear();
    bool wait_failed = false;
    if (!reap(completions, block, limit, wait_failed)) {
      break;
    }
    if (wait_failed) {
      std::this_thread::sleep_for(wait_backoff.next());
    } else if (block) {
      wait_backoff.reset();
    }
    wait.after_wait(!completions.empty());
    for (const Completion& done : completions) {
      on_completion(done);
    }
    batch.swap(worker.local);
    for (Task& task : batch) {
      run_task(task);
    }
    batch.clear();
    wait.after_batch(handler_.on_batch_end());
  }
  submit_pending();
  t_worker = nullptr;
  t_recv_buffer = nullptr;
  for (Task& task : worker.local) {
    push_task(std::move(task));  // for the workers still running, if any
  }
}

void UringService::stop() {
  stopping_.store(true, std::memory_order_release);
  queue_sqe(tag(Op::stop), true, [](io_uring_sqe* sqe) { io_uring_prep_nop(sqe); });
}

// ---------------------------------------------------------------- factory

bool uring_built_in() {
  return true;
}

std::unique_ptr<IoService> make_uring_service(IoHandler& handler, const IoConfig& config,
                                              std::string& why_not) {
  try {
    return std::make_unique<UringService>(handler, config);
  } catch (const std::exception& e) {
    why_not = e.what();
    return nullptr;
  }
}

}  // namespace chat::net
