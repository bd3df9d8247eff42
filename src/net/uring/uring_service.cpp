#include "uring_service.h"

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

constexpr std::size_t kMaxIov = kMaxSendBuffers;  // 8 KiB of iovecs per send in flight

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
// `connecting`: its POLLOUT is in the ring. Recv::waiting: a POLL_ADD is in the ring;
// Send::waiting: a SENDMSG is. While `pending` is above 0 the descriptor stays open.
struct UringService::Conn : PosixConn {
  // The last recv() filled the whole buffer, so more is likely waiting: the next receive reads
  // at once instead of polling first.
  bool last_recv_filled_buffer = false;
  std::unique_ptr<SendMsg> send_msg;
};

UringService::UringService(IoHandler& handler, const IoConfig& config)
    : PosixCore(handler, config,
                [this] {
                  ring_.queue(tag(Op::wake), true,
                              [](io_uring_sqe* sqe) { io_uring_prep_nop(sqe); });
                }),
      ring_(config.max_connections, config.faults.get()),
      conns_(std::make_unique<ConnectionTable<Conn>>(config.max_connections)) {
  spare_fd_ = posix::open_spare_fd();
}

UringService::~UringService() {
  for (unsigned i = 0; i < conns_->capacity(); ++i) {
    posix::close_fd(conns_->at(i).fd);
  }
  posix::close_fd(listen_fd_);
  posix::close_fd(spare_fd_);
}

template <typename Prep>
void UringService::queue_sqe(std::uint64_t user_data, bool now, Prep&& prep) {
  ring_.queue(user_data, now || !tasks_.on_worker(), std::forward<Prep>(prep));
}

// ---------------------------------------------------------------- slots

PosixConn& UringService::conn_at(std::uint32_t index) {
  return conns_->at(index);
}

PosixConn* UringService::lock_open_conn(ConnId id, std::unique_lock<std::mutex>& lock) {
  return conns_->lock_open(id, lock);
}

ConnId UringService::allocate(int fd, bool connecting, std::error_code& /*ec*/) {
  const std::optional<std::uint32_t> index = conns_->take_free();
  if (!index) {
    return {};
  }
  Conn& c = conns_->at(*index);
  std::lock_guard lock(c.mutex);
  c.fd = fd;
  c.connecting = connecting;
  c.last_recv_filled_buffer = false;  // a poll checks readiness when it is armed: nothing missed
  c.recv = Conn::Recv::idle;
  c.send = Conn::Send::idle;
  if (connecting) {
    queue_sqe(tag(Op::connect_poll, *index), false,
              [&](io_uring_sqe* sqe) { io_uring_prep_poll_add(sqe, fd, POLLOUT); });
  }
  return conns_->open_locked(*index);
}

void UringService::release_slot(ConnId id) {
  conns_->release(id, [](Conn& c) {
    c.send_left.clear();
    c.send_msg.reset();
  });
}

// ---------------------------------------------------------------- listener

std::error_code UringService::listen(const Endpoint& at, Endpoint* bound) {
  std::error_code ec;
  Endpoint local;
  const int fd = posix::open_listener(at, config_.listen_backlog, local, ec);
  if (fd < 0) {
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
    std::error_code unused;  // the ring refuses no descriptor
    const ConnId id = allocate(fd, false, unused);
    if (!id.valid()) {
      posix::close_fd(fd);  // the table is full: the server sized it with room to reject politely
    } else {
      posix::set_no_delay(fd);
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len);
      tasks_.push(Task{Task::Kind::accept, id, {}, {}, posix::from_sockaddr(addr)});
    }
  } else if (res == -EMFILE || res == -ENFILE) {
    std::lock_guard lock(listener_mutex_);
    pollfd ready{listen_fd_, POLLIN, 0};
    if (listen_fd_ >= 0 && ::poll(&ready, 1, 0) == 1) {
      // Out of descriptors: accept and drop one. (The poll first, since the listener blocks.)
      posix::accept_and_drop(listen_fd_, spare_fd_);
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

void UringService::arm_recv_poll_locked(Conn& c, ConnId id) {
  c.recv = Conn::Recv::waiting;
  queue_sqe(tag(Op::recv_poll, id.index), false,
            [&](io_uring_sqe* sqe) { io_uring_prep_poll_add(sqe, c.fd, POLLIN | POLLRDHUP); });
}

void UringService::start_recv(ConnId id) {
  std::unique_lock<std::mutex> lock;
  Conn* c = conns_->lock_open(id, lock);
  if (c == nullptr || c->recv != Conn::Recv::idle) {
    return;
  }
  ++c->pending;
  if (c->last_recv_filled_buffer) {
    queue_recv_locked(*c, id);
  } else {
    arm_recv_poll_locked(*c, id);
  }
}

void UringService::perform_recv(ConnId id) {
  Conn& c = conns_->at(id.index);
  std::unique_lock lock(c.mutex);
  if (!recv_queued_locked(c, id)) {
    return;
  }
  const ssize_t n = recv_some(c.fd);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    c.last_recv_filled_buffer = false;
    arm_recv_poll_locked(c, id);  // still pending: the poll carries on this receive
    return;
  }
  // A full buffer suggests more is waiting: read again straight away next time. A short read
  // emptied the socket: wait for a poll first rather than spend a recv() on EAGAIN.
  c.last_recv_filled_buffer = n > 0 && static_cast<std::size_t>(n) == config_.recv_chunk_bytes;
  deliver_recv(c, id, lock, n);
}

void UringService::submit_send_locked(Conn& c, ConnId id) {
  if (!c.send_msg) {
    c.send_msg = std::make_unique<SendMsg>();
  }
  SendMsg& m = *c.send_msg;
  m.msg = {};
  m.msg.msg_iov = m.iov.data();
  m.msg.msg_iovlen = c.send_left.for_each_left(
      kMaxIov, [&](std::size_t i, const std::byte* data, std::size_t size) {
        m.iov[i] = iovec{const_cast<std::byte*>(data), size};
      });
  c.send = Conn::Send::waiting;
  queue_sqe(tag(Op::send, id.index), false,
            [&](io_uring_sqe* sqe) { io_uring_prep_sendmsg(sqe, c.fd, &m.msg, MSG_NOSIGNAL); });
}

void UringService::start_send(ConnId id, std::span<const ByteSpan> buffers) {
  std::unique_lock<std::mutex> lock;
  Conn* c = conns_->lock_open(id, lock);
  if (c == nullptr || c->send != Conn::Send::idle) {
    return;
  }
  ++c->pending;
  c->send_left.reset(buffers);
  c->send_ec.clear();
  if (c->connecting) {
    c->send = Conn::Send::after_connect;  // submitted once the connection is up
  } else {
    submit_send_locked(*c, id);
  }
}

void UringService::close(ConnId id) {
  std::unique_lock<std::mutex> lock;
  Conn* c = conns_->lock_open(id, lock);
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
  if (c->recv == Conn::Recv::waiting) {
    cancel(tag(Op::recv_poll, id.index));
  }
  if (c->send == Conn::Send::waiting) {
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
    queue(Task::Kind::closed, id);
  }
}

// ---------------------------------------------------------------- completions

void UringService::on_completion(const UringRing::Completion& done) {
  const Op op = op_of(done.user_data);
  switch (op) {
    case Op::wake:
      tasks_.drain_shared();
      return;
    case Op::accept:
      on_accepted(done.res, done.flags);
      return;
    case Op::stop:
    case Op::cancel:
      return;  // nothing to do
    case Op::recv_poll:
    case Op::send:
    case Op::connect_poll:
      break;
  }
  const auto index = static_cast<std::uint32_t>(done.user_data);
  Conn& c = conns_->at(index);
  std::lock_guard lock(c.mutex);
  const ConnId id{index, c.generation};
  if (op == Op::recv_poll) {
    on_recv_poll_done(c, id);
  } else if (op == Op::connect_poll) {
    on_connect_poll_done(c, id, done.res);
  } else {
    on_send_done(c, id, done.res);
  }
}

void UringService::on_recv_poll_done(Conn& c, ConnId id) {
  if (c.closing) {
    c.recv = Conn::Recv::idle;
    finish_op_locked(c, id);
  } else {
    queue_recv_locked(c, id);  // recv() reports whatever the poll saw, data or error
  }
}

void UringService::on_connect_poll_done(Conn& c, ConnId id, std::int32_t res) {
  c.connecting = false;
  if (c.closing) {
    finish_op_locked(c, id);
    return;
  }
  int err = res < 0 ? -res : 0;
  socklen_t len = sizeof err;
  if (err == 0) {
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  }
  if (err == 0) {
    posix::set_non_blocking(c.fd, false);  // see kSocketFlags
  }
  const std::error_code ec = err != 0 ? posix::to_error(err) : std::error_code{};
  queue(Task::Kind::connect_done, id, ec);
  if (c.send == Conn::Send::after_connect) {
    if (err == 0) {
      submit_send_locked(c, id);
    } else {
      c.send_ec = ec;
      c.send = Conn::Send::done;
      queue(Task::Kind::send_done, id);
    }
  }
}

void UringService::on_send_done(Conn& c, ConnId id, std::int32_t res) {
  if (c.closing) {
    c.send = Conn::Send::idle;
    finish_op_locked(c, id);
    return;
  }
  if (res < 0) {
    c.send_ec = posix::to_error(-res);
  } else {
    c.send_left.advance(static_cast<std::size_t>(res));
    if (!c.send_left.done()) {
      if (res == 0) {
        c.send_ec = std::make_error_code(std::errc::broken_pipe);  // wrote nothing: give up
      } else {
        submit_send_locked(c, id);  // a short write: send the rest
        return;
      }
    }
  }
  c.send = Conn::Send::done;
  c.send_msg.reset();
  queue(Task::Kind::send_done, id);
}

// ---------------------------------------------------------------- worker loop

void UringService::run() {
  WorkerScope worker(*this);
  std::vector<UringRing::Completion> completions;
  completions.reserve(UringRing::kCompletionsPerReap);
  WaitPolicy wait(config_.busy_poll);
  // While the kernel refuses this worker's submits, it waits for completions only so long before
  // trying again (else entries it queued, maybe a new connection's first poll, would sit in the
  // ring until some other completion came); while it refuses waits, the worker pauses between.
  RetryBackoff submit_backoff;
  RetryBackoff wait_backoff;
  while (!stopping_.load(std::memory_order_acquire)) {
    bool block = !has_tasks() && wait.may_block();
    std::chrono::milliseconds limit{0};  // how long a blocking wait may last; 0: for ever
    if (ring_.submit_pending()) {  // what the last batch started goes to the kernel in one call
      submit_backoff.reset();
    } else {
      limit = submit_backoff.next();
      if (block && !ring_.timed_waits()) {
        // A timed wait would need an SQE of its own before Linux 5.11 (no EXT_ARG).
        std::this_thread::sleep_for(limit);
        block = false;
      }
    }
    completions.clear();
    bool wait_failed = false;
    if (!ring_.reap(completions, block, limit, wait_failed, stopping_)) {
      break;
    }
    if (wait_failed) {
      std::this_thread::sleep_for(wait_backoff.next());
    } else if (block) {
      wait_backoff.reset();
    }
    wait.after_wait(!completions.empty());
    for (const UringRing::Completion& done : completions) {
      on_completion(done);
    }
    run_tasks_and_end_batch(wait);
  }
  ring_.submit_pending();
  // Leaving the scope hands unfinished tasks to the workers still running (if any).
}

void UringService::stop() {
  stopping_.store(true, std::memory_order_release);
  ring_.queue(tag(Op::stop), true, [](io_uring_sqe* sqe) { io_uring_prep_nop(sqe); });
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
