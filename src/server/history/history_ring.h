// Internal header (server). The newest messages of one room kept in memory, for replays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "storage/stored_message.h"

namespace chat::server {

class HistoryBudget;

// The newest messages of one room, oldest first, with consecutive seqs: at most `capacity`, and
// no more than the server-wide HistoryBudget leaves room for. Not thread-safe by itself: the
// owner's lock (the room's) guards every call, and the budget evicts from it holding that lock.
class HistoryRing {
 public:
  // `budget` null: only `capacity` bounds the ring (tests, benchmarks). `evict_stored_only`:
  // with a database, the budget may evict a message only once the store has settled it (see
  // StoredMessage::settled), so a replay finds on disk whatever the ring no longer holds.
  HistoryRing(std::size_t capacity, HistoryBudget* budget, std::mutex& owner_lock,
              bool evict_stored_only);
  // Gives its bytes back to the budget. The owner lock must outlive it (declare the ring after).
  ~HistoryRing();
  HistoryRing(const HistoryRing&) = delete;
  HistoryRing& operator=(const HistoryRing&) = delete;

  // False when it keeps nothing (capacity 0, or a budget of 0 bytes).
  bool enabled() const;
  // Adds the newest message (seq one above back()'s), dropping the oldest beyond capacity, and
  // marks the ring the most recently used. The caller runs HistoryBudget::enforce() after
  // releasing the owner lock.
  void push_back(StoredMessagePtr m);
  // Adds `older` (oldest first; its last seq one below front()'s, or anything when empty) in
  // front: as many of its newest as capacity allows. For a room read back from the store.
  void push_front(const std::vector<StoredMessagePtr>& older);
  // Marks the ring the most recently used (a replay from it).
  void touch();
  // Lets go of every message (an emptied room) and of the memory holding them.
  void clear();

  bool empty() const { return messages_.empty(); }
  std::size_t size() const { return messages_.size(); }
  // The bytes it holds, by HistoryBudget::cost.
  std::size_t bytes() const { return bytes_; }
  std::uint64_t front_seq() const { return messages_.front()->seq; }
  auto begin() const { return messages_.begin(); }
  auto end() const { return messages_.end(); }

 private:
  friend class HistoryBudget;
  // Under the owner lock and the budget's lock: drops the oldest messages it may let go of until
  // `want` bytes are freed, moving them to `freed` (the caller frees them after its locks);
  // leaves the budget's list when emptied. Returns the bytes freed.
  std::size_t evict_oldest(std::size_t want, std::vector<StoredMessagePtr>& freed);
  void pop_front();

  const std::size_t capacity_;
  HistoryBudget* const budget_;
  std::mutex& owner_lock_;
  const bool evict_stored_only_;
  std::deque<StoredMessagePtr> messages_;
  std::size_t bytes_ = 0;

  // The budget's list of rings, least recently used first: under the budget's lock. (A ring is
  // linked and unlinked under its owner lock as well: HistoryBudget::newest_hint_ relies on it.)
  HistoryRing* older_ = nullptr;
  HistoryRing* newer_ = nullptr;
  bool listed_ = false;
};

}  // namespace chat::server
