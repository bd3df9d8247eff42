// Internal header (server). Room messages on disk: SQLite in WAL mode, written by one writer
// thread in group commits, so storing costs the fan-out path nothing but a queue push.
#pragma once

#include <atomic>
#include <chrono>
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

#include "net/conn_id.h"
#include "storage/sqlite_db.h"

namespace chat::server {

// One room message as stored and replayed.
struct StoredMessage {
  std::string room_key;  // fold_name(room): what the room is found by
  std::string room;      // the room's spelling
  std::string from;
  std::string text;
  std::uint64_t seq = 0;
  std::uint64_t server_time_ms = 0;
  std::uint64_t server_msg_id = 0;
  // Set by the store's writer once it is done with the message, before its on_stored: committed
  // (a read finds it from then on) or given up (the commit failed). A memory ring lets a message
  // go only once it is settled, so that a replay finds on disk what the ring no longer holds.
  // Messages read from the store are settled.
  mutable std::atomic<bool> settled{false};
};
using StoredMessagePtr = std::shared_ptr<const StoredMessage>;

// Whom to tell once a message is stored (the sender's Ack); the store only carries it through.
struct AckTo {
  net::ConnId sender;  // invalid: nobody
  std::uint64_t request_id = 0;
  std::uint64_t client_msg_id = 0;
};

// A message the writer committed, and whom to tell.
struct Stored {
  StoredMessagePtr msg;
  AckTo ack;
};

struct Retention {
  std::uint64_t max_per_room = 10000;   // 0: no count limit
  std::chrono::hours max_age{24 * 30};  // 0: no age limit
};

// Thread-safe. Lock order: a room's lock, then the store's queue lock (Room::publish appends).
class HistoryStore {
 public:
  // Runs on the writer thread once per transaction, with its messages in append order:
  // `committed` false when it failed (logged; those messages are not stored, and their senders
  // get no Ack).
  using OnStored = std::function<void(const std::vector<Stored>& batch, bool committed)>;

  // Opens (creating if needed) the database at `path`; throws std::runtime_error saying why it
  // cannot. ":memory:" keeps everything in memory.
  HistoryStore(const std::string& path, Retention retention, OnStored on_stored = {});
  // Stores everything appended so far, hands it to on_stored, then closes.
  ~HistoryStore();
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // Queues `msg` for the writer thread; once committed it reaches on_stored with `ack`.
  void append(StoredMessagePtr msg, AckTo ack = {});
  // Blocks until every message of `room_key` appended so far is committed and handed to
  // on_stored. Cheap when none is pending (the usual case): a room being created checks this
  // before it reads its past.
  void wait_stored(const std::string& room_key);
  // The highest seq stored for `room_key` (0: none).
  std::uint64_t last_seq(const std::string& room_key);
  // Stored messages of `room_key` with seq > after_seq, oldest first, at most `limit`.
  std::vector<StoredMessagePtr> read_after(const std::string& room_key, std::uint64_t after_seq,
                                           std::size_t limit);
  // The newest `count` stored messages of `room_key`, oldest first.
  std::vector<StoredMessagePtr> read_last(const std::string& room_key, std::size_t count);
  // The lowest seq still kept for `room_key` (0: nothing kept).
  std::uint64_t first_seq(const std::string& room_key);
  // The highest server_msg_id stored (0: none), so that a restarted server issues new ones.
  std::uint64_t last_msg_id();

 private:
  void run_writer();
  void write_batch(const std::vector<Stored>& batch);
  // Drops what retention no longer keeps: by age everywhere (an index range), by count in the
  // rooms written since the last prune (`everywhere`: in every room, once at start-up).
  void prune(bool everywhere);
  std::uint64_t query_u64(const char* sql, const std::string& room_key);

  const Retention retention_;
  const OnStored on_stored_;
  std::mutex db_mutex_;  // one connection, shared by the writer and the readers
  SqliteDb db_;

  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;  // work for the writer, or a batch committed
  std::deque<Stored> queue_;
  std::unordered_map<std::string, unsigned> pending_by_room_;  // appended, not yet committed
  std::unordered_set<std::string> written_since_prune_;        // the writer thread's own
  bool stopping_ = false;
  std::thread writer_;  // last: started once everything it uses exists
};

}  // namespace chat::server
