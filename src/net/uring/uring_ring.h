// Internal header (io_uring backend): the one ring every worker of a UringService shares, as
// one completion port serves every worker on Windows. Preparing and submitting SQEs is
// serialized by one mutex, reaping CQEs by another, which the worker waiting in the kernel holds
// (leader/followers: the others queue on it and take over as soon as the leader has a batch).
#pragma once

#include <liburing.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "../warnings.h"

namespace chat::net {

class SocketFaults;

class UringRing {
 public:
  struct Completion {  // a CQE copied out, so the ring's slot can be reused at once
    std::uint64_t user_data;
    std::int32_t res;
    std::uint32_t flags;
  };
  static constexpr unsigned kCompletionsPerReap = 256;

  // Sets the ring up with room for the completions of `max_connections`. Throws
  // std::system_error when the kernel refuses io_uring, std::runtime_error when it lacks a
  // feature the backend needs. `faults` (tests) may be null and must outlive the ring.
  UringRing(unsigned max_connections, SocketFaults* faults);
  ~UringRing();
  UringRing(const UringRing&) = delete;
  UringRing& operator=(const UringRing&) = delete;

  // IORING_FEAT_EXT_ARG: a wait with a timeout needs no SQE of its own (Linux 5.11).
  bool timed_waits() const { return timed_waits_; }

  // Prepares one SQE with `prep(sqe)` and tags it with `user_data`. It goes to the kernel at
  // once when `submit_now`, else with the next submit_pending(). Thread-safe.
  template <typename Prep>
  void queue(std::uint64_t user_data, bool submit_now, Prep&& prep) {
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
    if (submit_now) {
      submit_locked();
    }
  }
  // Hands the queued SQEs to the kernel; false when it refused them (they stay queued, and a
  // warning says so). Thread-safe.
  bool submit_pending();
  // Takes the completions there are (at most kCompletionsPerReap) into `out`, after waiting
  // for one if `wait`: for ever, or at most `limit` when it is above 0. Without `wait` it
  // returns at once when another worker holds the reaping side. A wait the kernel refused sets
  // `wait_failed`. False (nothing taken) once `stopping` is set. Thread-safe.
  bool reap(std::vector<Completion>& out, bool wait, std::chrono::milliseconds limit,
            bool& wait_failed, const std::atomic<bool>& stopping);

 private:
  bool submit_locked();

  io_uring ring_{};
  SocketFaults* const faults_;
  bool timed_waits_ = false;
  std::mutex sq_mutex_;
  std::mutex cq_mutex_;
  WarningThrottle submit_warnings_;
  WarningThrottle wait_warnings_;
};

}  // namespace chat::net
