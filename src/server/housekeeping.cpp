#include "housekeeping.h"

#include <algorithm>

#include "heap_release.h"
#include "log.h"
#include "net/thread_name.h"
#include "server_core.h"

namespace chat::server {
namespace {

// How far the history held in memory must shrink before the freed heap is given back to the
// system: at least this, and an eighth of the budget, far more than a full budget's own swing
// (HistoryBudget::enforce: a thirty-second), so that it is rooms emptying.
constexpr std::size_t kHeapReleaseStep = 8 * 1024 * 1024;

}  // namespace

void Housekeeping::start() {
  thread_ = net::start_named_thread("chat-housekeep", [this] { run(); });
}

void Housekeeping::stop() {
  if (!thread_.joinable()) {
    return;
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Housekeeping::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, core_.config.sweep_interval, [this] { return stopping_; })) {
    lock.unlock();
    round();
    lock.lock();
  }
}

void Housekeeping::round() {
  for (const net::ConnId id : core_.lingering.take_expired(LingerList::Clock::now())) {
    core_.io->close(id);  // the peer never closed its side: stop waiting for it
  }
  if (!core_.shutting_down.load()) {
    check_timeouts(ServerCore::steady_ms());
  }
  core_.addresses.prune(AddressLimits::Clock::now());
  if (core_.history_memory.shrunk_by(
          std::max(kHeapReleaseStep, core_.config.history_memory_bytes / 8))) {
    release_free_heap();  // rooms emptied: what their history held goes back to the system
  }
}

void Housekeeping::check_timeouts(std::int64_t now) {
  const std::int64_t handshake = core_.config.handshake_timeout.count();
  const std::int64_t interval = core_.config.heartbeat_interval.count();
  const std::int64_t timeout = core_.config.heartbeat_timeout.count();
  for (unsigned i = 0; i < core_.pool.capacity(); ++i) {
    Session& s = core_.pool.slot(i);
    // The owner first, then accepted_ms (Session::release says why this order is safe): a
    // non-zero accepted_ms means `id` is the connection these fields were read for, or one that
    // has gone, which every queue and expel() refuses. An empty owner is a free slot.
    const net::ConnId id = s.outbox.owner();
    const std::int64_t accepted = s.accepted_ms.load();
    if (accepted == 0 || !id.valid()) {
      continue;
    }
    const std::int64_t silent = now - s.last_heard_ms.load();
    if (handshake > 0 && !s.joined.load() && now - accepted >= handshake) {
      core_.expel(id, CloseReason::handshake_timeout, proto::HANDSHAKE_TIMEOUT,
                  fmt::format("no successful Join within {} ms", handshake));
    } else if (timeout > 0 && silent >= timeout) {
      core_.expel(id, CloseReason::heartbeat_timeout, proto::HEARTBEAT_TIMEOUT,
                  s.frame_incomplete.load()
                      ? fmt::format("a frame stayed incomplete for {} ms", silent)
                      : fmt::format("no frame received for {} ms", silent));
    } else if (interval > 0 && silent >= interval && s.pinged_generation.load() != id.generation) {
      s.pinged_generation.store(id.generation);  // one Ping per silence: a frame clears it
      proto::Envelope ping;
      ping.mutable_ping()->set_nonce(static_cast<std::uint64_t>(now));
      core_.send(id, ping);  // a stale id is dropped by the queue
    }
  }
}

}  // namespace chat::server
