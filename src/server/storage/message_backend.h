// Internal header (server). Where the message log keeps room messages: the one interface a
// storage backend implements for history (SQLite on a file, memory; a Redis backend later). The
// log's writer (MessageLog) batches, orders, Acks and waits; a backend only writes a batch, prunes
// and reads, so it knows nothing of connections, Acks or threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "stored_message.h"

namespace chat::server {

// Thread-safe as stated per call: the writing calls come from the log's one writer thread, the
// reads from any thread (a room being joined), concurrently with them.
//
// The promises (tests/server/storage_contract_test.cpp checks them of every backend):
// - A room's messages are identified by (room_key, seq); a message with the seq of a stored one
//   replaces it. Reads return messages oldest first, in seq order, as whole StoredMessages
//   (room, sender, text, times and ids as appended).
// - Once write_batch() returned, a read finds the batch's messages (until pruned).
// - A persistent backend returns after a restart what it stored before (last_msg_id() included,
//   so that server_msg_ids stay unique across restarts); a memory one starts empty.
class MessageBackend {
 public:
  virtual ~MessageBackend() = default;

  // Writer thread. Stores every message of `batch` (the `msg` of each; the Acks are the log's)
  // or, when it fails, none: throws std::runtime_error saying why.
  virtual void write_batch(const std::vector<Stored>& batch) = 0;
  // Writer thread, about once a second. Drops what the backend's Retention no longer keeps: by
  // age in every room, by count in the rooms of `written` (room keys written since the last call)
  // or, when `everywhere` (once at start, so that a smaller limit applies to every room at once),
  // in every room. Throws std::runtime_error when it fails (the next call tries again).
  virtual void prune(const std::unordered_set<std::string>& written, bool everywhere) = 0;

  // Any thread. The highest seq kept for `room_key` (0: none).
  virtual std::uint64_t last_seq(const std::string& room_key) = 0;
  // Any thread. The lowest seq kept for `room_key` (0: none).
  virtual std::uint64_t first_seq(const std::string& room_key) = 0;
  // Any thread. Kept messages of `room_key` with seq > after_seq, oldest first, at most `limit`.
  virtual std::vector<StoredMessagePtr> read_after(const std::string& room_key,
                                                   std::uint64_t after_seq, std::size_t limit) = 0;
  // Any thread. The newest `count` kept messages of `room_key`, oldest first.
  virtual std::vector<StoredMessagePtr> read_last(const std::string& room_key,
                                                  std::size_t count) = 0;
  // Any thread. At least the highest server_msg_id of the messages kept, and no more than the
  // highest written (0: none written): a restarted server issues new ids above it.
  virtual std::uint64_t last_msg_id() = 0;
};

}  // namespace chat::server
