// Internal header (IOCP backend); include io_service.h instead.
//
// The IoService contract on one I/O completion port. N workers dequeue batches with
// GetQueuedCompletionStatusEx. Every operation is an IocpOp whose OVERLAPPED comes first, so
// the OVERLAPPED* a completion returns leads back to it.
// - Accepts: several AcceptEx calls are kept posted.
// - Receives: a zero-byte WSARecv, so an idle connection pins no buffer. When it completes, a
//   non-blocking recv() reads into the worker's own buffer.
// - Sends: one WSASend gathering the caller's buffers.
// A slot is reused only when none of its operations is pending, and a completion that finds
// its connection closing is swallowed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "../connection_table.h"
#include "../io_service.h"
#include "../retry_backoff.h"
#include "../warnings.h"
#include "win_socket.h"

namespace chat::net {

class IocpService final : public IoService {
 public:
  IocpService(IoHandler& handler, const IoConfig& config);
  ~IocpService() override;

  std::error_code listen(const Endpoint& at, Endpoint* bound) override;
  void stop_accepting() override;
  using IoService::connect;
  ConnId connect(const Endpoint& to, const Endpoint& from, std::error_code& ec) override;
  void start_recv(ConnId id) override;
  void start_send(ConnId id, std::span<const ByteSpan> buffers) override;
  void shutdown_send(ConnId id) override;
  void close(ConnId id) override;
  void post(std::function<void()> fn) override;
  void run() override;
  void stop() override;
  std::string backend_name() const override { return "iocp"; }

 private:
  struct Op;
  struct AcceptOp;
  struct TaskOp;
  struct Conn;

  // Takes a free slot for `s` and associates it with the port. Returns an invalid id when the
  // table is full, or with `error` (Win32) set when the association failed (the slot is then
  // free again). The caller still owns `s` in both cases.
  ConnId allocate(SOCKET s, DWORD& error);
  void release_slot(ConnId id);
  void finish_op_locked(Conn& c, ConnId id);
  void post_task(std::unique_ptr<TaskOp> task);
  // Hands a start_* call that failed at once to a worker, as the completion it never got.
  void post_failure(Op& op, DWORD error);

  // Posts `op`'s AcceptEx on a new socket. When WSASocket or AcceptEx fails at once, `op` is
  // not lost: it waits in accepts_to_repost_ and is posted again after a backoff, so the number
  // of accepts posted comes back to IoConfig::posted_accepts.
  void post_accept_locked(AcceptOp& op);
  void retry_accept_later_locked(AcceptOp& op, const char* call, DWORD error);
  // Posts the waiting accepts again once their round is due. Every worker calls it before it
  // waits, and waits no longer than until the next round (wait_timeout_ms()).
  void repost_due_accepts();
  DWORD wait_timeout_ms() const;
  bool post_zero_byte_recv_locked(Conn& c);
  bool post_send_locked(Conn& c);

  void on_completion(Op& op, DWORD error, DWORD bytes);
  // After the workers stopped: closes every socket and waits (bounded) for their operations.
  void drain_in_flight();
  void on_accept_done(AcceptOp& op, DWORD error);
  void on_recv_ready(Conn& c, ConnId id, DWORD error);
  void on_send_done(Conn& c, ConnId id, DWORD error, DWORD bytes);
  void on_connect_done(Conn& c, ConnId id, DWORD error);

  IoHandler& handler_;
  const IoConfig config_;
  win::Winsock winsock_;
  HANDLE port_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<int> running_workers_{0};
  // OVERLAPPED operations handed to the system and not yet dequeued. Their memory must outlive
  // them: the destructor drains the port until this is 0 (Wine completes aborted I/O late).
  std::atomic<int> ops_in_flight_{0};

  std::mutex
      listener_mutex_;  // guards the listener and the accepts: the members down to the atomic
  SOCKET listen_socket_ = INVALID_SOCKET;
  Endpoint listen_endpoint_;
  std::vector<std::unique_ptr<AcceptOp>> accepts_;  // live until the service dies
  std::vector<AcceptOp*> accepts_to_repost_;        // failed to post: wait for the next round
  RetryBackoff accept_backoff_;                     // the delay before that round
  // When the next round is due (steady clock, ns), or 0 for none. Written under
  // listener_mutex_; read without it by workers to bound their wait.
  std::atomic<std::int64_t> accept_retry_due_{0};
  WarningThrottle accept_warnings_;
  WarningThrottle register_warnings_;

  std::unique_ptr<ConnectionTable<Conn>> conns_;
};

}  // namespace chat::net
