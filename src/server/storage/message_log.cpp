#include "message_log.h"

#include <chrono>
#include <stdexcept>

#include "../log.h"
#include "net/thread_name.h"

namespace chat::server {
namespace {

constexpr std::size_t kMaxBatch = 4096;  // messages per batch, at most
constexpr auto kPruneEvery = std::chrono::seconds(1);
// Under load, at most one commit this often. A commit costs about the same for one message as
// for many, and at a few thousand messages a second one commit each cost the writer a tenth of a
// core; this is the most it delays an Ack. A message after a quiet spell commits at once.
constexpr auto kCommitEvery = std::chrono::milliseconds(1);

}  // namespace

MessageLog::MessageLog(std::unique_ptr<MessageBackend> backend, OnStored on_stored)
    : backend_(std::move(backend)), on_stored_(std::move(on_stored)) {
  // A restart with a smaller --keep-messages applies it to every room at once, and before the
  // server serves anyone: a room created (its ring read back) or a resume answered while the
  // writer still pruned would see messages the retention already gave up, and no gap.
  last_msg_id_at_open_ = backend_->last_msg_id();
  prune(true);
  writer_ = net::start_named_thread("chat-history", [this] { run_writer(); });
}

MessageLog::~MessageLog() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  writer_.join();
}

void MessageLog::append(StoredMessagePtr msg, AckTo ack) {
  bool was_empty = false;
  {
    std::lock_guard lock(queue_mutex_);
    ++pending_by_room_[msg->room_key];
    was_empty = queue_.empty();
    queue_.push_back(Stored{std::move(msg), ack});
  }
  if (was_empty) {
    queue_changed_.notify_all();  // the writer waits only for an empty queue to fill
  }
}

void MessageLog::wait_stored(const std::string& room_key) {
  std::unique_lock lock(queue_mutex_);
  queue_changed_.wait(lock, [&] { return pending_by_room_.count(room_key) == 0; });
}

void MessageLog::run_writer() {
  auto next_prune = std::chrono::steady_clock::now() + kPruneEvery;
  auto next_commit = std::chrono::steady_clock::time_point{};  // none yet: at once
  std::vector<Stored> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait_until(lock, next_prune, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) {
        return;
      }
      if (!queue_.empty()) {
        // Right after a commit (under load), wait out kCommitEvery: what arrives meanwhile
        // joins this batch. Appends do not wake the writer now; stopping does.
        queue_changed_.wait_until(lock, next_commit, [&] { return stopping_; });
      }
      // Everything waiting goes into one batch: under load, one commit carries many messages;
      // when quiet, a message waits for no one.
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!batch.empty()) {
      write_batch(batch);
      batch.clear();
      next_commit = std::chrono::steady_clock::now() + kCommitEvery;
    }
    if (std::chrono::steady_clock::now() >= next_prune) {
      prune(false);
      next_prune = std::chrono::steady_clock::now() + kPruneEvery;
    }
  }
}

void MessageLog::write_batch(const std::vector<Stored>& batch) {
  bool stored = false;
  try {
    backend_->write_batch(batch);
    stored = true;
    for (const Stored& p : batch) {
      written_since_prune_.insert(p.msg->room_key);
    }
  } catch (const std::exception& e) {
    log::error("{}: {} messages not stored", e.what(), batch.size());
  }
  for (const Stored& p : batch) {
    p.msg->settled.store(true, std::memory_order_release);
  }
  if (on_stored_) {
    on_stored_(batch, stored);
  }
  {
    std::lock_guard lock(queue_mutex_);
    for (const Stored& p : batch) {
      const auto it = pending_by_room_.find(p.msg->room_key);
      if (it != pending_by_room_.end() && --it->second == 0) {
        pending_by_room_.erase(it);
      }
    }
  }
  queue_changed_.notify_all();  // after on_stored: wait_stored() means stored and told
}

void MessageLog::prune(bool everywhere) {
  try {
    backend_->prune(written_since_prune_, everywhere);
    written_since_prune_.clear();
  } catch (const std::exception& e) {
    log::error("{}", e.what());  // those rooms are pruned on the next pass
  }
}

}  // namespace chat::server
