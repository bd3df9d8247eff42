#include "posix_core.h"

#include <sys/socket.h>

#include <cerrno>

#include "posix_socket.h"

namespace chat::net {
namespace {

// The running worker's receive buffer; it belongs to the WorkerScope (see iocp_service.cpp for
// why the thread_local is only a pointer).
thread_local std::byte* t_recv_buffer = nullptr;

}  // namespace

PosixCore::PosixCore(IoHandler& handler, const IoConfig& config, std::function<void()> wake)
    : handler_(handler), config_(config), tasks_(std::move(wake)) {}

PosixCore::WorkerScope::WorkerScope(PosixCore& core)
    : tasks_(core.tasks_), recv_buffer_(core.config_.recv_chunk_bytes) {
  t_recv_buffer = recv_buffer_.data();
}

PosixCore::WorkerScope::~WorkerScope() {
  t_recv_buffer = nullptr;
}

void PosixCore::post(std::function<void()> fn) {
  tasks_.push(Task{Task::Kind::post, {}, {}, std::move(fn), {}});
}

ConnId PosixCore::connect(const Endpoint& to, const Endpoint& from, std::error_code& ec) {
  const int fd = posix::start_connect(to, from, ec);
  if (fd < 0) {
    return {};
  }
  const ConnId id = allocate(fd, true, ec);
  if (!id.valid()) {
    posix::close_fd(fd);
    if (!ec) {
      ec = std::make_error_code(std::errc::too_many_files_open);  // the table is full
    }
  }
  return id;
}

void PosixCore::shutdown_send(ConnId id) {
  std::unique_lock<std::mutex> lock;
  if (PosixConn* c = lock_open_conn(id, lock)) {
    ::shutdown(c->fd, SHUT_WR);
  }
}

void PosixCore::queue_recv_locked(PosixConn& c, ConnId id) {
  c.recv = PosixConn::Recv::queued;
  queue(Task::Kind::recv, id);
}

void PosixCore::finish_op_locked(PosixConn& c, ConnId id) {
  if (c.finish_op()) {
    posix::close_fd(c.fd);  // io_uring: nothing in the ring refers to it any more
    c.fd = -1;
    queue(Task::Kind::closed, id);
  }
}

bool PosixCore::recv_queued_locked(PosixConn& c, ConnId id) {
  if (c.generation != id.generation || c.recv != PosixConn::Recv::queued) {
    return false;
  }
  if (c.closing) {
    c.recv = PosixConn::Recv::idle;
    finish_op_locked(c, id);
    return false;
  }
  return true;
}

ssize_t PosixCore::recv_some(int fd) const {
  ssize_t n = 0;
  do {
    n = ::recv(fd, t_recv_buffer, config_.recv_chunk_bytes, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return n;
}

void PosixCore::deliver_recv(PosixConn& c, ConnId id, std::unique_lock<std::mutex>& lock,
                             ssize_t n) {
  const std::error_code ec = n < 0 ? posix::last_error() : std::error_code{};
  c.recv = PosixConn::Recv::idle;
  lock.unlock();
  const std::size_t size = n > 0 ? static_cast<std::size_t>(n) : 0;
  handler_.on_recv(id, ByteSpan(t_recv_buffer, size), ec);
  lock.lock();
  finish_op_locked(c, id);
}

void PosixCore::run_tasks_and_end_batch(WaitPolicy& wait) {
  tasks_.run_local([this](Task& task) { run_task(task); });
  wait.after_batch(handler_.on_batch_end());
}

void PosixCore::run_task(Task& task) {
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
    case Task::Kind::send_done:
      break;
  }
  PosixConn& c = conn_at(task.id.index);
  std::unique_lock lock(c.mutex);
  std::error_code ec = task.ec;
  if (task.kind == Task::Kind::send_done) {
    c.send = PosixConn::Send::idle;
    ec = c.send_ec;
  }
  if (!c.closing) {
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
  finish_op_locked(c, task.id);
}

}  // namespace chat::net
