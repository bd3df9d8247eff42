#include "iocp_service.h"

#include <winternl.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "../socket_faults.h"
#include "../wait_policy.h"
#include "../warnings.h"
#include "iocp_ops.h"

namespace chat::net {
namespace {

// The running worker's receive buffer. A plain pointer: the buffer itself lives in run(), since
// thread_local objects with destructors are freed twice at thread exit under mingw.
thread_local char* t_recv_buffer = nullptr;

}  // namespace

IocpService::IocpService(IoHandler& handler, const IoConfig& config)
    : handler_(handler),
      config_(config),
      conns_(std::make_unique<ConnectionTable<Conn>>(config.max_connections)) {
  port_ = ::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  if (port_ == nullptr) {
    throw std::system_error(win::to_error(::GetLastError()), "CreateIoCompletionPort");
  }
}

IocpService::~IocpService() {
  stop_accepting();
  for (unsigned i = 0; i < conns_->capacity(); ++i) {
    Conn& c = conns_->at(i);
    if (c.socket != INVALID_SOCKET) {
      ::closesocket(c.socket);
      c.socket = INVALID_SOCKET;
    }
  }
  drain_in_flight();
  ::CloseHandle(port_);
}

void IocpService::drain_in_flight() {
  // Every operation still in flight was just aborted by a closesocket; its completion still
  // writes into our Op memory, so that memory must not be freed before it is dequeued.
  std::vector<OVERLAPPED_ENTRY> entries(kEntriesPerWait);
  for (int round = 0; round < 100 && ops_in_flight_.load() > 0; ++round) {
    ULONG n = 0;
    if (!::GetQueuedCompletionStatusEx(port_, entries.data(), kEntriesPerWait, &n, 20, FALSE)) {
      continue;
    }
    for (ULONG i = 0; i < n; ++i) {
      const OVERLAPPED_ENTRY& e = entries[i];
      if (e.lpCompletionKey == kTaskKey) {
        delete reinterpret_cast<TaskOp*>(e.lpOverlapped);
      } else if (e.lpCompletionKey == kSocketKey || e.lpCompletionKey == kFailedKey) {
        ops_in_flight_.fetch_sub(1);
      }
    }
  }
}

// ---------------------------------------------------------------- slots

ConnId IocpService::allocate(SOCKET s, DWORD& error) {
  const std::optional<std::uint32_t> index = conns_->take_free();
  if (!index) {
    return {};
  }
  error = static_cast<DWORD>(injected_fault(config_.faults.get(), SocketCall::register_socket));
  if (error == 0 &&
      ::CreateIoCompletionPort(reinterpret_cast<HANDLE>(s), port_, kSocketKey, 0) == nullptr) {
    error = ::GetLastError();
  }
  if (error != 0) {
    conns_->put_back(*index);
    return {};
  }
  Conn& c = conns_->at(*index);
  std::lock_guard lock(c.mutex);
  c.socket = s;
  c.recv_posted = c.send_posted = c.connecting = false;
  const ConnId id = conns_->open_locked(*index);
  c.recv_op.id = c.send_op.id = c.connect_op.id = id;
  return id;
}

void IocpService::release_slot(ConnId id) {
  conns_->release(id, [](Conn& c) { c.send_bufs.clear(); });
}

void IocpService::finish_op_locked(Conn& c, ConnId id) {
  if (c.finish_op()) {
    auto task = std::make_unique<TaskOp>();
    task->id = id;
    post_task(std::move(task));
  }
}

void IocpService::post_task(std::unique_ptr<TaskOp> task) {
  if (::PostQueuedCompletionStatus(port_, 0, kTaskKey, &task->overlapped)) {
    task.release();  // the worker that dequeues it owns it
  }
}

void IocpService::post_failure(Op& op, DWORD error) {
  op.failed_error = error;
  ::PostQueuedCompletionStatus(port_, 0, kFailedKey, &op.overlapped);
}

// ---------------------------------------------------------------- operations

ConnId IocpService::connect(const Endpoint& to, const Endpoint& from, std::error_code& ec) {
  sockaddr_storage addr{};
  int len = 0;
  sockaddr_storage local{};  // ConnectEx wants a bound socket: `from`, or any address
  int local_len = 0;
  if (!win::to_sockaddr(to, addr, len) ||
      (!from.host.empty() && !win::to_sockaddr(from, local, local_len))) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  if (from.host.empty()) {
    local.ss_family = addr.ss_family;
    local_len = len;
  }
  const SOCKET s = win::open_overlapped_socket(to, ec);
  if (s == INVALID_SOCKET) {
    return {};
  }
  if (::bind(s, reinterpret_cast<const sockaddr*>(&local), local_len) != 0) {
    ec = win::last_wsa_error();
    ::closesocket(s);
    return {};
  }
  DWORD error = 0;
  const ConnId id = allocate(s, error);
  if (!id.valid()) {
    ::closesocket(s);
    // Refused by the port, or the table is full.
    ec = error != 0 ? win::to_error(error) : std::make_error_code(std::errc::too_many_files_open);
    return {};
  }
  Conn& c = conns_->at(id.index);
  std::lock_guard lock(c.mutex);
  c.connecting = true;
  c.connect_op.overlapped = {};
  ops_in_flight_.fetch_add(1);  // dequeued as a completion either way (a failure is posted)
  if (!winsock_.connect_ex(s, reinterpret_cast<const sockaddr*>(&addr), len, nullptr, 0, nullptr,
                           &c.connect_op.overlapped) &&
      ::WSAGetLastError() != ERROR_IO_PENDING) {
    post_failure(c.connect_op, static_cast<DWORD>(::WSAGetLastError()));
  }
  return id;
}

bool IocpService::post_zero_byte_recv_locked(Conn& c) {
  // Zero bytes: the completion only says "readable", so no buffer is pinned while idle.
  WSABUF none{0, nullptr};
  DWORD flags = 0;
  c.recv_op.overlapped = {};
  c.recv_posted = true;
  ops_in_flight_.fetch_add(1);  // dequeued as a completion either way (a failure is posted)
  if (::WSARecv(c.socket, &none, 1, nullptr, &flags, &c.recv_op.overlapped, nullptr) != 0 &&
      ::WSAGetLastError() != WSA_IO_PENDING) {
    post_failure(c.recv_op, static_cast<DWORD>(::WSAGetLastError()));
  }
  return true;
}

void IocpService::start_recv(ConnId id) {
  std::unique_lock<std::mutex> lock;
  Conn* c = conns_->lock_open(id, lock);
  if (c == nullptr || c->recv_posted) {
    return;
  }
  ++c->pending;
  post_zero_byte_recv_locked(*c);
}

bool IocpService::post_send_locked(Conn& c) {
  c.send_op.overlapped = {};
  c.send_posted = true;
  ops_in_flight_.fetch_add(1);  // dequeued as a completion either way (a failure is posted)
  if (::WSASend(c.socket, c.send_bufs.data(), static_cast<DWORD>(c.send_bufs.size()), nullptr, 0,
                &c.send_op.overlapped, nullptr) != 0 &&
      ::WSAGetLastError() != WSA_IO_PENDING) {
    post_failure(c.send_op, static_cast<DWORD>(::WSAGetLastError()));
  }
  return true;
}

void IocpService::start_send(ConnId id, std::span<const ByteSpan> buffers) {
  std::unique_lock<std::mutex> lock;
  Conn* c = conns_->lock_open(id, lock);
  if (c == nullptr || c->send_posted) {
    return;
  }
  ++c->pending;
  c->send_bufs.clear();
  for (const ByteSpan& b : buffers) {
    if (!b.empty()) {
      c->send_bufs.push_back(WSABUF{static_cast<ULONG>(b.size()),
                                    const_cast<char*>(reinterpret_cast<const char*>(b.data()))});
    }
  }
  post_send_locked(*c);
}

void IocpService::shutdown_send(ConnId id) {
  std::unique_lock<std::mutex> lock;
  if (Conn* c = conns_->lock_open(id, lock)) {
    ::shutdown(c->socket, SD_SEND);
  }
}

void IocpService::close(ConnId id) {
  std::unique_lock<std::mutex> lock;
  Conn* c = conns_->lock_open(id, lock);
  if (c == nullptr) {
    return;
  }
  c->closing = true;
  // Operations in flight complete with an error (995, or 676 under Wine); on_completion sees
  // `closing` and swallows them.
  ::CancelIoEx(reinterpret_cast<HANDLE>(c->socket), nullptr);
  ::closesocket(c->socket);
  c->socket = INVALID_SOCKET;
  if (c->pending == 0) {
    auto task = std::make_unique<TaskOp>();
    task->id = id;
    post_task(std::move(task));
  }
}

void IocpService::post(std::function<void()> fn) {
  auto task = std::make_unique<TaskOp>();
  task->fn = std::move(fn);
  post_task(std::move(task));
}

// ---------------------------------------------------------------- completions

void IocpService::on_recv_ready(Conn& c, ConnId id, DWORD error) {
  std::unique_lock lock(c.mutex);
  c.recv_posted = false;
  if (c.closing) {
    finish_op_locked(c, id);
    return;
  }
  int n = 0;
  std::error_code ec;
  if (error != 0) {
    ec = win::to_error(error);
  } else {
    n = ::recv(c.socket, t_recv_buffer, static_cast<int>(config_.recv_chunk_bytes), 0);
    if (n == SOCKET_ERROR && ::WSAGetLastError() == WSAEWOULDBLOCK) {
      post_zero_byte_recv_locked(c);  // nothing after all: wait again, same operation
      return;
    }
    if (n == SOCKET_ERROR) {
      ec = win::last_wsa_error();
      n = 0;
    }
  }
  lock.unlock();
  handler_.on_recv(
      id, ByteSpan(reinterpret_cast<const std::byte*>(t_recv_buffer), static_cast<std::size_t>(n)),
      ec);
  lock.lock();
  finish_op_locked(c, id);
}

void IocpService::on_send_done(Conn& c, ConnId id, DWORD error, DWORD bytes) {
  std::unique_lock lock(c.mutex);
  c.send_posted = false;
  if (c.closing) {
    finish_op_locked(c, id);
    return;
  }
  if (error == 0) {
    // A stream WSASend normally completes whole; if not, send the rest as the same operation.
    auto it = c.send_bufs.begin();
    for (; it != c.send_bufs.end() && bytes >= it->len; ++it) {
      bytes -= it->len;
    }
    c.send_bufs.erase(c.send_bufs.begin(), it);
    if (!c.send_bufs.empty()) {
      c.send_bufs.front().buf += bytes;
      c.send_bufs.front().len -= bytes;
      post_send_locked(c);
      return;
    }
  }
  lock.unlock();
  handler_.on_send(id, win::to_error(error));
  lock.lock();
  finish_op_locked(c, id);
}

void IocpService::on_connect_done(Conn& c, ConnId id, DWORD error) {
  std::unique_lock lock(c.mutex);
  c.connecting = false;
  if (c.closing) {
    finish_op_locked(c, id);
    return;
  }
  if (error == 0) {
    ::setsockopt(c.socket, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0);
    win::configure_connected(c.socket);
  }
  lock.unlock();
  handler_.on_connect(id, win::to_error(error));
  lock.lock();
  finish_op_locked(c, id);
}

void IocpService::on_completion(Op& op, DWORD error, DWORD bytes) {
  switch (op.kind) {
    case Op::Kind::task: {
      std::unique_ptr<TaskOp> task(static_cast<TaskOp*>(&op));
      if (task->fn) {
        task->fn();
      } else {
        handler_.on_closed(task->id);
        release_slot(task->id);
      }
      return;
    }
    case Op::Kind::accept:
      on_accept_done(static_cast<AcceptOp&>(op), error);
      return;
    case Op::Kind::recv:
      on_recv_ready(conns_->at(op.id.index), op.id, error);
      return;
    case Op::Kind::send:
      on_send_done(conns_->at(op.id.index), op.id, error, bytes);
      return;
    case Op::Kind::connect:
      on_connect_done(conns_->at(op.id.index), op.id, error);
      return;
  }
}

void IocpService::run() {
  running_workers_.fetch_add(1);
  std::vector<char> recv_buffer(config_.recv_chunk_bytes);
  t_recv_buffer = recv_buffer.data();
  std::vector<OVERLAPPED_ENTRY> entries(kEntriesPerWait);
  bool quit = stopping_.load();
  WaitPolicy wait(config_.busy_poll);
  while (!quit) {
    repost_due_accepts();
    const bool block = wait.may_block();
    ULONG n = 0;
    // A blocking wait lasts until the next round of accepts to post again, if one is due.
    if (!::GetQueuedCompletionStatusEx(port_, entries.data(), kEntriesPerWait, &n,
                                       block ? wait_timeout_ms() : 0, FALSE)) {
      if (block) {
        quit = stopping_.load();
        continue;
      }
      n = 0;  // nothing was waiting: go straight on (the handler's next slice, or poll again)
    }
    wait.after_wait(n > 0);
    for (ULONG i = 0; i < n; ++i) {
      const OVERLAPPED_ENTRY& e = entries[i];
      if (e.lpCompletionKey == kQuitKey) {
        if (quit) {
          // A batch can hold several workers' quits: keep one, hand the others back.
          ::PostQueuedCompletionStatus(port_, 0, kQuitKey, nullptr);
        }
        quit = true;  // finish this batch first: its other entries are ours to deliver
        continue;
      }
      Op& op = *reinterpret_cast<Op*>(e.lpOverlapped);
      if (e.lpCompletionKey != kTaskKey) {
        ops_in_flight_.fetch_sub(1);
      }
      DWORD error = 0;
      if (e.lpCompletionKey == kFailedKey) {
        error = op.failed_error;
      } else if (e.lpCompletionKey == kSocketKey) {
        const auto status = static_cast<NTSTATUS>(e.lpOverlapped->Internal);
        error = status >= 0 ? 0 : ::RtlNtStatusToDosError(status);
      }
      on_completion(op, error, e.dwNumberOfBytesTransferred);
    }
    wait.after_batch(handler_.on_batch_end());
  }
  t_recv_buffer = nullptr;
  running_workers_.fetch_sub(1);
}

void IocpService::stop() {
  stopping_.store(true);
  // One quit per worker: each worker leaves after the batch that holds its quit.
  const int workers = running_workers_.load();
  for (int i = 0; i < workers; ++i) {
    ::PostQueuedCompletionStatus(port_, 0, kQuitKey, nullptr);
  }
}

}  // namespace chat::net
