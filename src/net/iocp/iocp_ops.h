// Internal header (IOCP backend). What the two files of IocpService share: the completion
// keys, and the operations and connection slots whose OVERLAPPEDs the completions carry.
// Included only by iocp_service.cpp and iocp_accept.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "iocp_service.h"

namespace chat::net {

// Completion keys. Sockets use kSocketKey; the rest arrive by PostQueuedCompletionStatus.
inline constexpr ULONG_PTR kSocketKey = 0;
inline constexpr ULONG_PTR kTaskKey = 1;
inline constexpr ULONG_PTR kFailedKey = 2;  // a start_* call that failed at once
inline constexpr ULONG_PTR kQuitKey = 3;
inline constexpr ULONG kEntriesPerWait = 64;
inline constexpr DWORD kAddressBytes = sizeof(sockaddr_storage) + 16;  // what AcceptEx asks for

inline std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct IocpService::Op {
  enum class Kind : std::uint8_t { accept, recv, send, connect, task };
  OVERLAPPED overlapped{};  // first: a completion's OVERLAPPED* is this Op's address
  Kind kind = Kind::task;
  ConnId id;
  DWORD failed_error = 0;  // for kFailedKey completions
  explicit Op(Kind k) : kind(k) {}
};

struct IocpService::AcceptOp : Op {
  AcceptOp() : Op(Kind::accept) {}
  SOCKET socket = INVALID_SOCKET;  // created before AcceptEx, becomes the connection
  char addresses[2 * kAddressBytes] = {};
};

struct IocpService::TaskOp : Op {
  TaskOp() : Op(Kind::task) {}
  std::function<void()> fn;  // a post(); empty for an on_closed() delivery to `id`
};

// One connection slot. Every field is guarded by `mutex`; so is every socket call on `socket`,
// so close() never races a recv() on a handle value the system has reused.
struct IocpService::Conn : ConnSlot {
  SOCKET socket = INVALID_SOCKET;
  bool recv_posted = false;
  bool send_posted = false;
  bool connecting = false;
  Op recv_op{Op::Kind::recv};
  Op send_op{Op::Kind::send};
  Op connect_op{Op::Kind::connect};
  std::vector<WSABUF> send_bufs;  // what is still to send of the send in flight
};

}  // namespace chat::net
