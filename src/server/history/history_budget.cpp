#include "history_budget.h"

#include "history_ring.h"

namespace chat::server {

HistoryBudget::HistoryBudget(std::size_t limit_bytes) : limit_(limit_bytes) {}

std::size_t HistoryBudget::cost(const StoredMessage& m) {
  return kFixedCost + m.room_key.size() + m.room.size() + m.from.size() + m.text.size();
}

void HistoryBudget::touch(HistoryRing& ring) {
  if (newest_hint_.load(std::memory_order_relaxed) == &ring) {
    return;  // already the most recently used, and listed (see newest_hint_)
  }
  std::lock_guard lock(mutex_);
  if (ring.listed_) {
    unlink_locked(ring);
  }
  ring.older_ = newest_;
  ring.newer_ = nullptr;
  if (newest_ != nullptr) {
    newest_->newer_ = &ring;
  } else {
    oldest_ = &ring;
  }
  newest_ = &ring;
  ring.listed_ = true;
  newest_hint_.store(newest_, std::memory_order_relaxed);
}

void HistoryBudget::unlist(HistoryRing& ring) {
  std::lock_guard lock(mutex_);
  if (ring.listed_) {
    unlink_locked(ring);
  }
}

void HistoryBudget::unlink_locked(HistoryRing& ring) {
  (ring.older_ != nullptr ? ring.older_->newer_ : oldest_) = ring.newer_;
  (ring.newer_ != nullptr ? ring.newer_->older_ : newest_) = ring.older_;
  ring.older_ = nullptr;
  ring.newer_ = nullptr;
  ring.listed_ = false;
  newest_hint_.store(newest_, std::memory_order_relaxed);
}

void HistoryBudget::enforce() {
  if (bytes_.load() <= limit_) {
    return;
  }
  std::vector<StoredMessagePtr> freed;  // freed after the locks, not under them
  {
    std::lock_guard lock(mutex_);
    const std::size_t target = limit_ - limit_ / 32;
    unsigned skipped = 0;
    HistoryRing* ring = oldest_;
    while (ring != nullptr && skipped < kMaxSkipped) {
      const std::size_t now = bytes_.load();
      if (now <= target) {
        break;
      }
      HistoryRing* const next = ring->newer_;  // links change only under mutex_
      std::unique_lock ring_lock(ring->owner_lock_, std::try_to_lock);
      // Not owned: its room is publishing or replaying right now, so it is not cold after all.
      if (!ring_lock.owns_lock() || ring->evict_oldest(now - target, freed) == 0) {
        ++skipped;
      }
      ring = next;
    }
  }
}

bool HistoryBudget::shrunk_by(std::size_t step) {
  const std::size_t now = bytes_.load();
  if (now > high_water_) {
    high_water_ = now;
  }
  if (high_water_ - now < step) {
    return false;
  }
  high_water_ = now;
  return true;
}

}  // namespace chat::server
