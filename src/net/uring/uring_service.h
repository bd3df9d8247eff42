// Internal header (io_uring backend); include io_service.h instead.
//
// One ring (UringRing) serves every worker thread, as one completion port does on Windows.
// Sends and polls that a worker starts are only queued in the ring while it runs its
// batch and go to the kernel together in one io_uring_enter before it waits again, which is what
// this backend is for: one system call for a batch's sends instead of one per connection.
//
// Receives are poll-first: a POLL_ADD waits for data and the worker then recv()s into its own
// buffer, so an idle connection pins no buffer (what io_uring's own RECV would need). Sends are
// SENDMSG of the caller's buffers. Cross-thread tasks (post(), completions made on a thread that
// is not a worker) go through the TaskQueue, announced by a NOP. The connection table, the tasks
// and the recv path are PosixCore's.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "../posix/posix_core.h"
#include "../warnings.h"
#include "uring_ring.h"

namespace chat::net {

class UringService final : public PosixCore {
 public:
  // Throws std::system_error when the kernel refuses io_uring or lacks a feature it needs.
  UringService(IoHandler& handler, const IoConfig& config);
  ~UringService() override;

  std::error_code listen(const Endpoint& at, Endpoint* bound) override;
  void stop_accepting() override;
  void start_recv(ConnId id) override;
  void start_send(ConnId id, std::span<const ByteSpan> buffers) override;
  void close(ConnId id) override;
  void run() override;
  void stop() override;
  std::string backend_name() const override { return "uring"; }

 private:
  struct Conn;
  struct SendMsg;

  PosixConn& conn_at(std::uint32_t index) override;
  PosixConn* lock_open_conn(ConnId id, std::unique_lock<std::mutex>& lock) override;
  void perform_recv(ConnId id) override;
  void release_slot(ConnId id) override;
  // Queues the POLLOUT of a connecting `fd`; never sets `ec` (the ring takes any descriptor).
  ConnId allocate(int fd, bool connecting, std::error_code& ec) override;

  // Queues one SQE (prepared by `prep`) with `user_data`; a worker's SQEs wait for its next
  // submit, anyone else's go to the kernel at once (`now` forces that for a worker too).
  template <typename Prep>
  void queue_sqe(std::uint64_t user_data, bool now, Prep&& prep);
  void arm_recv_poll_locked(Conn& c, ConnId id);
  void submit_send_locked(Conn& c, ConnId id);
  void arm_accept();

  // One completion, by what its SQE was for (Op in uring_service.cpp).
  void on_completion(const UringRing::Completion& done);
  void on_accepted(std::int32_t res, std::uint32_t flags);
  void on_recv_poll_done(Conn& c, ConnId id);
  void on_connect_poll_done(Conn& c, ConnId id, std::int32_t res);
  void on_send_done(Conn& c, ConnId id, std::int32_t res);

  std::atomic<bool> stopping_{false};
  UringRing ring_;

  std::mutex listener_mutex_;  // guards listen_fd_ and accept re-arming
  int listen_fd_ = -1;
  int spare_fd_ = -1;             // closed to accept-and-drop a connection when out of fds
  bool multishot_accept_ = true;  // cleared if the kernel refuses it (before 5.19)
  WarningThrottle accept_warnings_;

  std::unique_ptr<ConnectionTable<Conn>> conns_;
};

}  // namespace chat::net
