// Internal header (server). Room messages in SQLite (the --db file, in WAL mode): the history
// backend of a server with a database file. All of the history's SQL is here.
#pragma once

#include <mutex>
#include <string>

#include "message_backend.h"
#include "sqlite_db.h"

namespace chat::server {

// Thread-safe: one connection, under one lock shared by the writer and the readers.
class SqliteMessageBackend final : public MessageBackend {
 public:
  // Opens (creating if needed) the database at `path` and its table; throws std::runtime_error
  // saying why it cannot.
  SqliteMessageBackend(const std::string& path, Retention retention);

  void write_batch(const std::vector<Stored>& batch) override;
  void prune(const std::unordered_set<std::string>& written, bool everywhere) override;
  std::uint64_t last_seq(const std::string& room_key) override;
  std::uint64_t first_seq(const std::string& room_key) override;
  std::vector<StoredMessagePtr> read_after(const std::string& room_key, std::uint64_t after_seq,
                                           std::size_t limit) override;
  std::vector<StoredMessagePtr> read_last(const std::string& room_key, std::size_t count) override;
  std::uint64_t last_msg_id() override;

 private:
  void add_action_column();  // from the constructor: upgrades an older database in place
  bool has_action_column();
  std::uint64_t query_u64(const char* sql, const std::string& room_key);

  const Retention retention_;
  std::mutex mutex_;  // the connection
  SqliteDb db_;
};

}  // namespace chat::server
