#include "sqlite_message_backend.h"

#include <algorithm>
#include <chrono>

#include "../unix_time.h"

namespace chat::server {

SqliteMessageBackend::SqliteMessageBackend(const std::string& path, Retention retention)
    : retention_(retention), db_(path, "history") {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS messages ("
      " room_key TEXT NOT NULL, seq INTEGER NOT NULL, room TEXT NOT NULL,"
      " sender TEXT NOT NULL, text TEXT NOT NULL, server_time_ms INTEGER NOT NULL,"
      " server_msg_id INTEGER NOT NULL, action INTEGER NOT NULL DEFAULT 0,"
      " PRIMARY KEY (room_key, seq)) WITHOUT ROWID");
  db_.exec("CREATE INDEX IF NOT EXISTS messages_by_time ON messages (server_time_ms)");
  add_action_column();
}

// A database written before actions existed has no `action` column: its messages were all
// plain, which the column's default says.
bool SqliteMessageBackend::has_action_column() {
  Statement columns(db_, "PRAGMA table_info(messages)");
  bool found = false;
  while (columns.step()) {
    found = found || columns.text(1) == "action";
  }
  return found;
}

// Looked for without writing first (a database that has it, read-only or busy, opens as before);
// when missing, checked again and added in one write transaction, so two servers opening the
// same old database at once add it once instead of the second failing on "duplicate column".
void SqliteMessageBackend::add_action_column() {
  if (has_action_column()) {
    return;
  }
  db_.exec("BEGIN IMMEDIATE");
  try {
    if (!has_action_column()) {
      db_.exec("ALTER TABLE messages ADD COLUMN action INTEGER NOT NULL DEFAULT 0");
    }
    db_.exec("COMMIT");
  } catch (...) {
    db_.exec_noexcept("ROLLBACK");
    throw;
  }
}

void SqliteMessageBackend::write_batch(const std::vector<Stored>& batch) {
  std::lock_guard lock(mutex_);
  try {
    db_.exec("BEGIN IMMEDIATE");
    Statement insert(db_,
                     "INSERT OR REPLACE INTO messages (room_key, seq, room, sender, text,"
                     " server_time_ms, server_msg_id, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (const Stored& p : batch) {
      const StoredMessage& m = *p.msg;
      insert.bind(1, m.room_key);
      insert.bind(2, m.seq);
      insert.bind(3, m.room);
      insert.bind(4, m.from);
      insert.bind(5, m.text);
      insert.bind(6, m.server_time_ms);
      insert.bind(7, m.server_msg_id);
      insert.bind(8, std::uint64_t{m.action ? 1U : 0U});
      insert.run();
    }
    db_.exec("COMMIT");
  } catch (...) {
    db_.exec_noexcept("ROLLBACK");
    throw;
  }
}

void SqliteMessageBackend::prune(const std::unordered_set<std::string>& written, bool everywhere) {
  std::lock_guard lock(mutex_);
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
    for (const std::string& key : written) {
      over.bind(1, key);
      over.bind(2, retention_.max_per_room);
      over.step();
      over.reset();
    }
  }
}

std::uint64_t SqliteMessageBackend::query_u64(const char* sql, const std::string& room_key) {
  std::lock_guard lock(mutex_);
  Statement q(db_, sql);
  if (!room_key.empty()) {
    q.bind(1, room_key);
  }
  return q.step() ? q.u64(0) : 0;
}

std::uint64_t SqliteMessageBackend::last_seq(const std::string& room_key) {
  return query_u64("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room_key = ?", room_key);
}

std::uint64_t SqliteMessageBackend::first_seq(const std::string& room_key) {
  return query_u64("SELECT COALESCE(MIN(seq), 0) FROM messages WHERE room_key = ?", room_key);
}

std::uint64_t SqliteMessageBackend::last_msg_id() {
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
    m->action = q.u64(6) != 0;
    m->settled.store(true, std::memory_order_relaxed);  // on disk; nobody else sees it yet
    out.push_back(std::move(m));
  }
  return out;
}
}  // namespace

std::vector<StoredMessagePtr> SqliteMessageBackend::read_after(const std::string& room_key,
                                                               std::uint64_t after_seq,
                                                               std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement q(db_,
              "SELECT room, sender, text, seq, server_time_ms, server_msg_id, action FROM messages"
              " WHERE room_key = ? AND seq > ? ORDER BY seq LIMIT ?");
  q.bind(1, room_key);
  q.bind(2, after_seq);
  q.bind(3, static_cast<std::uint64_t>(limit));
  return rows(q, room_key);
}

std::vector<StoredMessagePtr> SqliteMessageBackend::read_last(const std::string& room_key,
                                                              std::size_t count) {
  std::lock_guard lock(mutex_);
  Statement q(db_,
              "SELECT room, sender, text, seq, server_time_ms, server_msg_id, action FROM messages"
              " WHERE room_key = ? ORDER BY seq DESC LIMIT ?");
  q.bind(1, room_key);
  q.bind(2, static_cast<std::uint64_t>(count));
  std::vector<StoredMessagePtr> out = rows(q, room_key);
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace chat::server
