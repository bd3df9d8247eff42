#include "uring_ring.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "../posix/posix_socket.h"
#include "../socket_faults.h"

namespace chat::net {
namespace {

constexpr unsigned kSubmissionEntries = 1024;

unsigned round_up_to_power_of_two(unsigned n) {
  unsigned p = 1;
  while (p < n && p < (1u << 30)) {
    p <<= 1;
  }
  return p;
}

}  // namespace

UringRing::UringRing(unsigned max_connections, SocketFaults* faults) : faults_(faults) {
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL;
  // Room for every connection's poll and send plus a burst of accepts; beyond that the kernel
  // keeps overflowing completions itself (IORING_FEAT_NODROP, checked below).
  params.cq_entries = std::max(4096u, round_up_to_power_of_two(4 * max_connections));
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
}

UringRing::~UringRing() {
  io_uring_queue_exit(&ring_);
}

bool UringRing::submit_locked() {
  while (io_uring_sq_ready(&ring_) > 0) {
    const int fault = injected_fault(faults_, SocketCall::submit);
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

bool UringRing::submit_pending() {
  std::lock_guard lock(sq_mutex_);
  return submit_locked();
}

bool UringRing::reap(std::vector<Completion>& out, bool wait, std::chrono::milliseconds limit,
                     bool& wait_failed, const std::atomic<bool>& stopping) {
  std::unique_lock lock(cq_mutex_, std::defer_lock);
  if (wait) {
    lock.lock();
  } else if (!lock.try_lock()) {
    // Another worker waits in the kernel, possibly for what our own queued tasks will start:
    // run them rather than queue behind it.
    return !stopping.load(std::memory_order_acquire);
  }
  if (stopping.load(std::memory_order_acquire)) {
    return false;
  }
  if (wait) {
    io_uring_cqe* first = nullptr;
    int rc = 0;
    do {
      if (const int fault = injected_fault(faults_, SocketCall::wait)) {
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

}  // namespace chat::net
