// Internal header (server). Room messages as the chat logic stores and reads them: one writer
// thread takes what rooms append and hands it to a MessageBackend in group commits, so storing
// costs the fan-out path nothing but a queue push, and tells whoever is owed an Ack once it is
// stored. Independent of the backend: SQLite, memory or (later) Redis only write batches.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "message_backend.h"
#include "stored_message.h"

namespace chat::server {

// Thread-safe. Lock order: a room's lock, then the log's queue lock (Room::publish appends).
class MessageLog {
 public:
  // Runs on the writer thread once per batch, with its messages in append order: `committed`
  // false when the backend failed (logged; those messages are not stored, and their senders get
  // no Ack).
  using OnStored = std::function<void(const std::vector<Stored>& batch, bool committed)>;

  // Starts the writer thread over `backend`, which it owns.
  explicit MessageLog(std::unique_ptr<MessageBackend> backend, OnStored on_stored = {});
  // Stores everything appended so far, hands it to on_stored, then stops the writer.
  ~MessageLog();
  MessageLog(const MessageLog&) = delete;
  MessageLog& operator=(const MessageLog&) = delete;

  // Any thread. Queues `msg` for the writer; once stored it reaches on_stored with `ack`. A
  // room's messages must be appended in seq order (under the room's lock).
  void append(StoredMessagePtr msg, AckTo ack = {});
  // Any thread. Blocks until every message of `room_key` appended so far is stored (or given
  // up) and handed to on_stored. Cheap when none is pending (the usual case): a room being
  // created checks this before it reads its past.
  void wait_stored(const std::string& room_key);

  // Any thread: the backend's reads (MessageBackend), of what is stored so far.
  std::uint64_t last_seq(const std::string& room_key) { return backend_->last_seq(room_key); }
  std::uint64_t first_seq(const std::string& room_key) { return backend_->first_seq(room_key); }
  std::vector<StoredMessagePtr> read_after(const std::string& room_key, std::uint64_t after_seq,
                                           std::size_t limit) {
    return backend_->read_after(room_key, after_seq, limit);
  }
  std::vector<StoredMessagePtr> read_last(const std::string& room_key, std::size_t count) {
    return backend_->read_last(room_key, count);
  }
  // The highest server_msg_id stored, or stored before this opening's retention pass deleted
  // it (a server down longer than --keep-days finds its table emptied): ids never repeat.
  std::uint64_t last_msg_id() { return std::max(backend_->last_msg_id(), last_msg_id_at_open_); }

 private:
  void run_writer();
  void write_batch(const std::vector<Stored>& batch);
  void prune(bool everywhere);

  const std::unique_ptr<MessageBackend> backend_;
  const OnStored on_stored_;
  std::uint64_t last_msg_id_at_open_ = 0;  // set by the constructor before its retention pass

  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;  // work for the writer, or a batch stored
  std::deque<Stored> queue_;
  std::unordered_map<std::string, unsigned> pending_by_room_;  // appended, not yet stored
  // The writer thread's own (and the constructor's, before the writer starts).
  std::unordered_set<std::string> written_since_prune_;
  bool stopping_ = false;
  std::thread writer_;  // last: started once everything it uses exists
};

}  // namespace chat::server
