// The accept side of IocpService: the listener, the AcceptEx calls kept posted, their retries
// after a failure, and each accepted socket turned into a connection.
#include <algorithm>
#include <chrono>

#include "../socket_faults.h"
#include "../warnings.h"
#include "iocp_ops.h"

namespace chat::net {

// ---------------------------------------------------------------- listener

std::error_code IocpService::listen(const Endpoint& at, Endpoint* bound) {
  sockaddr_storage addr{};
  int len = 0;
  if (!win::to_sockaddr(at, addr, len)) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::error_code ec;
  const SOCKET s = win::open_overlapped_socket(at, ec);
  if (s == INVALID_SOCKET) {
    return ec;
  }
  // Without this another process could bind the same port over ours (Windows' default).
  const BOOL one = TRUE;
  ::setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&one), sizeof one);
  if (::bind(s, reinterpret_cast<const sockaddr*>(&addr), len) != 0 ||
      ::listen(s, config_.listen_backlog) != 0 ||
      ::CreateIoCompletionPort(reinterpret_cast<HANDLE>(s), port_, kSocketKey, 0) == nullptr) {
    ec = win::last_wsa_error();
    ::closesocket(s);
    return ec;
  }
  sockaddr_storage local{};
  int local_len = sizeof local;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&local), &local_len);
  std::lock_guard lock(listener_mutex_);
  listen_socket_ = s;
  listen_endpoint_ = win::from_sockaddr(reinterpret_cast<const sockaddr*>(&local));
  for (unsigned i = 0; i < std::max(1u, config_.posted_accepts); ++i) {
    accepts_.push_back(std::make_unique<AcceptOp>());
    post_accept_locked(*accepts_.back());  // one that fails is posted again later
  }
  if (bound != nullptr) {
    *bound = listen_endpoint_;
  }
  return {};
}

void IocpService::post_accept_locked(AcceptOp& op) {
  op.overlapped = {};
  SocketFaults* const faults = config_.faults.get();
  if (const int fault = injected_fault(faults, SocketCall::open_socket)) {
    retry_accept_later_locked(op, "WSASocket", static_cast<DWORD>(fault));
    return;
  }
  std::error_code ec;
  op.socket = win::open_overlapped_socket(listen_endpoint_, ec);
  if (op.socket == INVALID_SOCKET) {
    retry_accept_later_locked(op, "WSASocket", static_cast<DWORD>(::WSAGetLastError()));
    return;
  }
  DWORD received = 0;
  ops_in_flight_.fetch_add(1);
  auto error = static_cast<DWORD>(injected_fault(faults, SocketCall::accept_ex));
  // No initial data (0): a client that connects and says nothing must still be accepted.
  if (error == 0 && !winsock_.accept_ex(listen_socket_, op.socket, op.addresses, 0, kAddressBytes,
                                        kAddressBytes, &received, &op.overlapped)) {
    error = static_cast<DWORD>(::WSAGetLastError());
    if (error == ERROR_IO_PENDING) {
      error = 0;
    }
  }
  if (error != 0) {
    ops_in_flight_.fetch_sub(1);
    ::closesocket(op.socket);
    op.socket = INVALID_SOCKET;
    retry_accept_later_locked(op, "AcceptEx", error);
  }
}

void IocpService::retry_accept_later_locked(AcceptOp& op, const char* call, DWORD error) {
  accepts_to_repost_.push_back(&op);
  if (accept_retry_due_.load(std::memory_order_relaxed) != 0) {
    return;  // it joins the round already due
  }
  const std::chrono::milliseconds delay = accept_backoff_.next();
  accept_retry_due_.store(
      steady_now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(delay).count(),
      std::memory_order_release);
  // Bounded by the backoff while the failures go on, and by the throttle where they come and go
  // (AcceptEx fails at once for a peer that reset in the backlog).
  accept_warnings_.warn("{} failed: {} (error {}); the accept is posted again in {} ms", call,
                        win::to_error(error).message(), error, delay.count());
}

void IocpService::repost_due_accepts() {
  const std::int64_t due = accept_retry_due_.load(std::memory_order_acquire);
  if (due == 0 || steady_now_ns() < due) {
    return;
  }
  std::lock_guard lock(listener_mutex_);
  if (accept_retry_due_.load(std::memory_order_relaxed) != due) {
    return;  // another worker took this round
  }
  accept_retry_due_.store(0, std::memory_order_relaxed);
  std::vector<AcceptOp*> round;
  round.swap(accepts_to_repost_);
  if (listen_socket_ == INVALID_SOCKET || stopping_.load()) {
    return;
  }
  for (AcceptOp* op : round) {
    post_accept_locked(*op);  // a failure schedules the next round, a longer delay away
  }
  if (accept_retry_due_.load(std::memory_order_relaxed) == 0) {
    accept_backoff_.reset();  // every one is posted: the pool is whole again
  }
}

DWORD IocpService::wait_timeout_ms() const {
  const std::int64_t due = accept_retry_due_.load(std::memory_order_acquire);
  if (due == 0) {
    return INFINITE;
  }
  const std::int64_t left = due - steady_now_ns();
  return left <= 0 ? 0 : static_cast<DWORD>((left + 999'999) / 1'000'000);  // rounded up
}

void IocpService::stop_accepting() {
  std::lock_guard lock(listener_mutex_);
  if (listen_socket_ != INVALID_SOCKET) {
    ::closesocket(listen_socket_);  // the posted AcceptEx calls complete, failed
    listen_socket_ = INVALID_SOCKET;
  }
  accepts_to_repost_.clear();
  accept_retry_due_.store(0, std::memory_order_relaxed);
}

void IocpService::on_accept_done(AcceptOp& op, DWORD error) {
  const SOCKET s = op.socket;
  op.socket = INVALID_SOCKET;
  Endpoint peer;
  {
    std::lock_guard lock(listener_mutex_);
    const bool listening = listen_socket_ != INVALID_SOCKET && !stopping_.load();
    if (error == 0 && listening) {
      ::setsockopt(s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                   reinterpret_cast<const char*>(&listen_socket_), sizeof listen_socket_);
      sockaddr* local = nullptr;
      sockaddr* remote = nullptr;
      int local_len = 0;
      int remote_len = 0;
      winsock_.get_accept_ex_sockaddrs(op.addresses, 0, kAddressBytes, kAddressBytes, &local,
                                       &local_len, &remote, &remote_len);
      peer = win::from_sockaddr(remote);
    }
    if (listening) {
      post_accept_locked(op);  // keep the number of posted accepts constant
    }
    if (error != 0 || !listening) {
      ::closesocket(s);  // a connection reset in the backlog, or we stopped listening
      return;
    }
  }
  win::configure_connected(s);
  DWORD refused = 0;
  const ConnId id = allocate(s, refused);
  if (!id.valid()) {
    if (refused != 0) {
      register_warnings_.warn(
          "CreateIoCompletionPort failed for an accepted connection: {} (error {}); closed it, "
          "the server accepts on",
          win::to_error(refused).message(), refused);
    }
    // Else the table is full: the server sized it with room to reject politely.
    ::closesocket(s);
    return;
  }
  handler_.on_accept(id, peer);
  Conn& c = conns_->at(id.index);
  std::lock_guard lock(c.mutex);
  finish_op_locked(c, id);
}

}  // namespace chat::net
