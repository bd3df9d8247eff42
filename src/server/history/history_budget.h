// Internal header (server). One byte budget for all the room history the server keeps in memory:
// when the rooms' rings (HistoryRing) together hold more, the least recently used rings give up
// their oldest messages first. With a database those are read back from it when a replay needs
// them; without one they are gone.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>

#include "storage/stored_message.h"

namespace chat::server {

class HistoryRing;

// Thread-safe. Lock order: a ring's owner lock (its room's), then the budget's lock. The budget
// takes a ring's owner lock only with try_lock, so it never waits for a room's fan-out and the
// two orders cannot deadlock.
class HistoryBudget {
 public:
  // `limit_bytes` 0: the rings keep nothing (every replay comes from the database).
  explicit HistoryBudget(std::size_t limit_bytes);
  HistoryBudget(const HistoryBudget&) = delete;
  HistoryBudget& operator=(const HistoryBudget&) = delete;

  std::size_t limit() const { return limit_; }
  // The bytes the rings hold now, each message counted by cost(). Any thread.
  std::size_t bytes() const { return bytes_.load(); }
  // What keeping `m` in a ring counts for: its four strings (room key, room, sender, text) plus
  // the fixed part (the StoredMessage itself, its shared_ptr control block and the ring's slot).
  // Heap rounding is not counted: this is the server's own measure, not the allocator's.
  static std::size_t cost(const StoredMessage& m);
  static constexpr std::size_t kFixedCost = sizeof(StoredMessage) + 32;

  // If bytes() is over limit(): evicts, least recently used ring first, the oldest messages each
  // may let go of (HistoryRing says which), down to limit() - limit() / 32, so that a budget
  // that is full is not enforced again on every message. A ring busy publishing (its owner lock
  // held) is skipped, as is one with nothing it may let go of yet; after kMaxSkipped such rings
  // it stops until the next call. Amortised O(1) per message kept: each message is evicted at
  // most once. Any thread, but never while holding a ring's owner lock (its try_lock on that
  // ring would be undefined behaviour).
  void enforce();
  static constexpr unsigned kMaxSkipped = 8;

  // For the one housekeeping thread: true once bytes() has fallen by `step` or more below the
  // highest value this call has seen since it last returned true (rooms emptied, their history
  // freed): the moment to give freed heap memory back to the operating system.
  bool shrunk_by(std::size_t step);

 private:
  friend class HistoryRing;
  void added(std::size_t n) { bytes_.fetch_add(n); }
  void removed(std::size_t n) { bytes_.fetch_sub(n); }
  // Makes `ring` the most recently used. Under its owner lock.
  void touch(HistoryRing& ring);
  // Takes `ring` off the list (emptied or destroyed). Under its owner lock, or in its destructor.
  void unlist(HistoryRing& ring);
  void unlink_locked(HistoryRing& ring);  // under mutex_

  const std::size_t limit_;
  std::atomic<std::size_t> bytes_{0};
  std::mutex mutex_;
  // The rings holding messages, least recently used first (links in HistoryRing). Changed under
  // mutex_ and the owner lock of the ring linked or unlinked.
  HistoryRing* oldest_ = nullptr;
  HistoryRing* newest_ = nullptr;
  // newest_, readable without mutex_: a ring that reads itself here under its owner lock is
  // listed (every unlink of it happens under that lock and moves newest_ off it), so touch()
  // skips the lock for the room being talked in, the usual case.
  std::atomic<const HistoryRing*> newest_hint_{nullptr};
  std::size_t high_water_ = 0;  // shrunk_by()'s, on the housekeeping thread only
};

}  // namespace chat::server
