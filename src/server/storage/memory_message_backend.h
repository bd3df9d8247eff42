// Internal header (server). Room messages kept in memory only, lost when the server stops: the
// history backend of `--db :memory:`. Keeps the Retention a database file would.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "message_backend.h"

namespace chat::server {

// Thread-safe: one lock over every room. Holds the very messages appended (shared with the rooms'
// memory rings), so a message kept by both costs its memory once. What it holds is bounded by
// its Retention only, not by --history-memory-bytes (which bounds the rings).
class MemoryMessageBackend final : public MessageBackend {
 public:
  explicit MemoryMessageBackend(Retention retention) : retention_(retention) {}

  void write_batch(const std::vector<Stored>& batch) override;
  // By age, drops every message older than the limit (all of each room: after the wall clock
  // stepped back, an old message may follow a newer one); by count, each room's oldest.
  void prune(const std::unordered_set<std::string>& written, bool everywhere) override;
  std::uint64_t last_seq(const std::string& room_key) override;
  std::uint64_t first_seq(const std::string& room_key) override;
  std::vector<StoredMessagePtr> read_after(const std::string& room_key, std::uint64_t after_seq,
                                           std::size_t limit) override;
  std::vector<StoredMessagePtr> read_last(const std::string& room_key, std::size_t count) override;
  std::uint64_t last_msg_id() override;

 private:
  using Messages = std::map<std::uint64_t, StoredMessagePtr>;  // by seq
  void prune_count(Messages& room);

  const Retention retention_;
  std::mutex mutex_;
  std::unordered_map<std::string, Messages> rooms_;  // by room_key; a room emptied is erased
  std::uint64_t top_msg_id_ = 0;                     // the highest server_msg_id written
};

}  // namespace chat::server
