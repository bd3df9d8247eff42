#include "history_ring.h"

#include <algorithm>

#include "history_budget.h"

namespace chat::server {

HistoryRing::HistoryRing(std::size_t capacity, HistoryBudget* budget, std::mutex& owner_lock,
                         bool evict_stored_only)
    : capacity_(capacity),
      budget_(budget),
      owner_lock_(owner_lock),
      evict_stored_only_(evict_stored_only) {}

HistoryRing::~HistoryRing() {
  if (budget_ != nullptr) {
    budget_->unlist(*this);  // first: an enforce() holding the list may be evicting from it
    budget_->removed(bytes_);
  }
}

bool HistoryRing::enabled() const {
  return capacity_ > 0 && (budget_ == nullptr || budget_->limit() > 0);
}

void HistoryRing::push_back(StoredMessagePtr m) {
  if (!enabled()) {
    return;
  }
  const std::size_t cost = HistoryBudget::cost(*m);
  messages_.push_back(std::move(m));
  bytes_ += cost;
  if (budget_ != nullptr) {
    budget_->added(cost);
  }
  if (messages_.size() > capacity_) {
    pop_front();
  }
  touch();
}

void HistoryRing::push_front(const std::vector<StoredMessagePtr>& older) {
  if (!enabled()) {
    return;
  }
  const std::size_t room = capacity_ - std::min(capacity_, messages_.size());
  const std::size_t take = std::min(room, older.size());
  for (std::size_t i = 0; i < take; ++i) {
    const StoredMessagePtr& m = older[older.size() - 1 - i];  // newest first, each to the front
    const std::size_t cost = HistoryBudget::cost(*m);
    messages_.push_front(m);
    bytes_ += cost;
    if (budget_ != nullptr) {
      budget_->added(cost);
    }
  }
  touch();
}

void HistoryRing::touch() {
  if (budget_ != nullptr && !messages_.empty()) {
    budget_->touch(*this);
  }
}

void HistoryRing::clear() {
  std::deque<StoredMessagePtr>().swap(messages_);  // its blocks too, not only the messages
  if (budget_ != nullptr) {
    budget_->unlist(*this);
    budget_->removed(bytes_);
  }
  bytes_ = 0;
}

void HistoryRing::pop_front() {
  const std::size_t cost = HistoryBudget::cost(*messages_.front());
  messages_.pop_front();
  bytes_ -= cost;
  if (budget_ != nullptr) {
    budget_->removed(cost);
  }
}

std::size_t HistoryRing::evict_oldest(std::size_t want, std::vector<StoredMessagePtr>& freed) {
  std::size_t done = 0;
  while (done < want && !messages_.empty() &&
         (!evict_stored_only_ || messages_.front()->settled.load(std::memory_order_acquire))) {
    const std::size_t cost = HistoryBudget::cost(*messages_.front());
    freed.push_back(std::move(messages_.front()));
    messages_.pop_front();
    bytes_ -= cost;
    budget_->removed(cost);
    done += cost;
  }
  if (messages_.empty() && listed_) {
    budget_->unlink_locked(*this);
  }
  return done;
}

}  // namespace chat::server
