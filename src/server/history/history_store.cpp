#include "history_store.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

#include "../log.h"
#include "../unix_time.h"
#include "net/thread_name.h"

namespace chat::server {
namespace {

constexpr std::size_t kMaxBatch = 4096;  // messages per transaction, at most
constexpr auto kPruneEvery = std::chrono::seconds(1);
// Under load, at most one commit this often. A commit costs about the same for one message as
// for many, and at a few thousand messages a second one commit each cost the writer a tenth of a
// core; this is the most it delays an Ack. A message after a quiet spell commits at once.
constexpr auto kCommitEvery = std::chrono::milliseconds(1);

}  // namespace

HistoryStore::HistoryStore(const std::string& path, Retention retention, OnStored on_stored)
    : retention_(retention), on_stored_(std::move(on_stored)), db_(path, "history") {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS messages ("
      " room_key TEXT NOT NULL, seq INTEGER NOT NULL, room TEXT NOT NULL,"
      " sender TEXT NOT NULL, text TEXT NOT NULL, server_time_ms INTEGER NOT NULL,"
      " server_msg_id INTEGER NOT NULL, PRIMARY KEY (room_key, seq)) WITHOUT ROWID");
  db_.exec("CREATE INDEX IF NOT EXISTS messages_by_time ON messages (server_time_ms)");
  writer_ = net::start_named_thread("chat-history", [this] { run_writer(); });
}

HistoryStore::~HistoryStore() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  writer_.join();
}

void HistoryStore::append(StoredMessagePtr msg, AckTo ack) {
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

void HistoryStore::wait_stored(const std::string& room_key) {
  std::unique_lock lock(queue_mutex_);
  queue_changed_.wait(lock, [&] { return pending_by_room_.count(room_key) == 0; });
}

void HistoryStore::run_writer() {
  prune(true);  // a restart with a smaller --keep-messages applies it to every room at once
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
        // joins this transaction. Appends do not wake the writer now; stopping does.
        queue_changed_.wait_until(lock, next_commit, [&] { return stopping_; });
      }
      // Everything waiting goes into one transaction: under load, one commit carries many
      // messages; when quiet, a message waits for no one.
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

void HistoryStore::write_batch(const std::vector<Stored>& batch) {
  bool stored = false;
  {
    std::lock_guard db(db_mutex_);
    try {
      db_.exec("BEGIN IMMEDIATE");
      Statement insert(db_,
                       "INSERT OR REPLACE INTO messages (room_key, seq, room, sender, text,"
                       " server_time_ms, server_msg_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
      for (const Stored& p : batch) {
        const StoredMessage& m = *p.msg;
        insert.bind(1, m.room_key);
        insert.bind(2, m.seq);
        insert.bind(3, m.room);
        insert.bind(4, m.from);
        insert.bind(5, m.text);
        insert.bind(6, m.server_time_ms);
        insert.bind(7, m.server_msg_id);
        insert.run();
      }
      db_.exec("COMMIT");
      stored = true;
      for (const Stored& p : batch) {
        written_since_prune_.insert(p.msg->room_key);
      }
    } catch (const std::exception& e) {
      log::error("{}: {} messages not stored", e.what(), batch.size());
      db_.exec_noexcept("ROLLBACK");
    }
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

void HistoryStore::prune(bool everywhere) {
  std::lock_guard db(db_mutex_);
  try {
    if (retention_.max_age.count() > 0) {
      Statement old(db_, "DELETE FROM messages WHERE server_time_ms < ?");
      const auto age_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(retention_.max_age).count();
      old.bind(1, unix_time_ms() -
                      std::min<std::uint64_t>(unix_time_ms(), static_cast<std::uint64_t>(age_ms)));
      old.step();
    }
    if (retention_.max_per_room > 0 && everywhere) {
      // Every room: everything below its newest max_per_room messages (one full pass).
      Statement over(db_,
                     "DELETE FROM messages WHERE (room_key, seq) IN ("
                     " SELECT m.room_key, m.seq FROM messages m JOIN ("
                     "  SELECT room_key, MAX(seq) AS top FROM messages GROUP BY room_key) t"
                     " ON m.room_key = t.room_key WHERE m.seq <= t.top - ?)");
      over.bind(1, retention_.max_per_room);
      over.step();
    } else if (retention_.max_per_room > 0) {
      // Only the rooms written since the last pass can have grown past the limit: a primary
      // key range each, however many rooms and messages the database holds.
      Statement over(db_,
                     "DELETE FROM messages WHERE room_key = ?1 AND seq <= "
                     "(SELECT MAX(seq) FROM messages WHERE room_key = ?1) - ?2");
      for (const std::string& key : written_since_prune_) {
        over.bind(1, key);
        over.bind(2, retention_.max_per_room);
        over.step();
        over.reset();
      }
    }
    written_since_prune_.clear();
  } catch (const std::exception& e) {
    log::error("{}", e.what());
  }
}

std::uint64_t HistoryStore::query_u64(const char* sql, const std::string& room_key) {
  std::lock_guard db(db_mutex_);
  Statement q(db_, sql);
  if (!room_key.empty()) {
    q.bind(1, room_key);
  }
  return q.step() ? q.u64(0) : 0;
}

std::uint64_t HistoryStore::last_seq(const std::string& room_key) {
  return query_u64("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room_key = ?", room_key);
}

std::uint64_t HistoryStore::first_seq(const std::string& room_key) {
  return query_u64("SELECT COALESCE(MIN(seq), 0) FROM messages WHERE room_key = ?", room_key);
}

std::uint64_t HistoryStore::last_msg_id() {
  return query_u64("SELECT COALESCE(MAX(server_msg_id), 0) FROM messages", "");
}

namespace {
std::vector<StoredMessagePtr> rows(Statement& q, const std::string& room_key) {
  std::vector<StoredMessagePtr> out;
  while (q.step()) {
    auto m = std::make_shared<StoredMessage>();
    m->room_key = room_key;
    m->room = q.text(0);
    m->from = q.text(1);
    m->text = q.text(2);
    m->seq = q.u64(3);
    m->server_time_ms = q.u64(4);
    m->server_msg_id = q.u64(5);
    m->settled.store(true, std::memory_order_relaxed);  // on disk; nobody else sees it yet
    out.push_back(std::move(m));
  }
  return out;
}
}  // namespace

std::vector<StoredMessagePtr> HistoryStore::read_after(const std::string& room_key,
                                                       std::uint64_t after_seq, std::size_t limit) {
  std::lock_guard db(db_mutex_);
  Statement q(db_,
              "SELECT room, sender, text, seq, server_time_ms, server_msg_id FROM messages"
              " WHERE room_key = ? AND seq > ? ORDER BY seq LIMIT ?");
  q.bind(1, room_key);
  q.bind(2, after_seq);
  q.bind(3, static_cast<std::uint64_t>(limit));
  return rows(q, room_key);
}

std::vector<StoredMessagePtr> HistoryStore::read_last(const std::string& room_key,
                                                      std::size_t count) {
  std::lock_guard db(db_mutex_);
  Statement q(db_,
              "SELECT room, sender, text, seq, server_time_ms, server_msg_id FROM messages"
              " WHERE room_key = ? ORDER BY seq DESC LIMIT ?");
  q.bind(1, room_key);
  q.bind(2, static_cast<std::uint64_t>(count));
  std::vector<StoredMessagePtr> out = rows(q, room_key);
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace chat::server
