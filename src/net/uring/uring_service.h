// Internal header (io_uring backend); include io_service.h instead.
//
// One ring serves every worker thread, as one completion port does on Windows. Submitting is
// serialized by sq_mutex_; reaping by cq_mutex_, which the worker waiting in the kernel holds
// (leader/followers: the others queue on the mutex and take over as soon as the leader has a
// batch). Sends and polls that a worker starts are only queued in the ring while it runs its
// batch and go to the kernel together in one io_uring_enter before it waits again, which is what
// this backend is for: one system call for a batch's sends instead of one per connection.
//
// Receives are poll-first: a POLL_ADD waits for data and the worker then recv()s into its own
// buffer, so an idle connection pins no buffer (what io_uring's own RECV would need). Sends are
// SENDMSG of the caller's buffers. Cross-thread tasks (post(), completions made on a thread that
// is not a worker) go through a locked queue, announced by a NOP.
#pragma once

#include <liburing.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "../io_service.h"
#include "../warnings.h"

namespace chat::net {

class UringService final : public IoService {
 public:
  // Throws std::system_error when the kernel refuses io_uring or lacks a feature it needs.
  UringService(IoHandler& handler, const IoConfig& config);
  ~UringService() override;

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
  std::string backend_name() const override { return "uring"; }

 private:
  struct Conn;
  struct SendMsg;
  struct Task {
    enum class Kind : std::uint8_t { accept, recv, send_done, connect_done, closed, post };
    Kind kind;
    ConnId id;
    std::error_code ec;
    std::function<void()> fn;  // post only
    Endpoint peer;             // accept only
  };
  struct Worker {
    UringService* owner;
    std::vector<Task> local;
  };
  struct Completion {  // a CQE copied out, so the ring's slot can be reused at once
    std::uint64_t user_data;
    std::int32_t res;
    std::uint32_t flags;
  };

  Conn* lock_open(ConnId id, std::unique_lock<std::mutex>& lock);
  ConnId allocate(int fd, bool connecting);
  void release_slot(ConnId id);
  void finish_op_locked(Conn& c, ConnId id);

  // Queues one SQE (prepared by `prep`) with `user_data`; a worker's SQEs wait for its next
  // submit, anyone else's go to the kernel at once (`now` forces that for a worker too).
  template <typename Prep>
  void queue_sqe(std::uint64_t user_data, bool now, Prep&& prep);
  // Hands the queued SQEs to the kernel; false when it refused them (they stay queued).
  bool submit_locked();
  bool submit_pending();
  void arm_recv_poll_locked(Conn& c, ConnId id);
  void submit_send_locked(Conn& c, ConnId id);
  void arm_accept();

  void push_task(Task task);
  void drain_shared_queue(Worker& w);
  void run_task(Task& task);
  // Takes the completions there are into `out`, after waiting for one if `wait`: for ever, or
  // at most `limit` when it is above 0. A wait the kernel refused sets `wait_failed`. False once
  // the service is stopping.
  bool reap(std::vector<Completion>& out, bool wait, std::chrono::milliseconds limit,
            bool& wait_failed);
  void on_completion(const Completion& done);
  void on_accepted(std::int32_t res, std::uint32_t flags);
  void perform_recv(ConnId id);

  IoHandler& handler_;
  const IoConfig config_;
  io_uring ring_{};
  std::atomic<bool> stopping_{false};
  bool timed_waits_ = false;  // IORING_FEAT_EXT_ARG: a wait with a timeout needs no SQE
  std::mutex sq_mutex_;
  std::mutex cq_mutex_;

  std::mutex listener_mutex_;  // guards listen_fd_ and accept re-arming
  int listen_fd_ = -1;
  int spare_fd_ = -1;             // closed to accept-and-drop a connection when out of fds
  bool multishot_accept_ = true;  // cleared if the kernel refuses it (before 5.19)
  WarningThrottle accept_warnings_;
  WarningThrottle submit_warnings_;
  WarningThrottle wait_warnings_;

  std::unique_ptr<Conn[]> conns_;
  std::mutex free_mutex_;
  std::vector<std::uint32_t> free_slots_;

  std::mutex shared_mutex_;
  std::deque<Task> shared_queue_;
};

}  // namespace chat::net
