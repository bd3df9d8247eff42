// Internal header (server). A room message as the message log stores and replays it, and what
// travels with it through the log (whom to Ack). Shared by the log, every backend and the rooms.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/conn_id.h"

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
  bool action = false;  // an action ("/me waves"): ChatMessage.action, replayed as one
  // Set by the log's writer once it is done with the message, before its on_stored: committed
  // (a read finds it from then on) or given up (the commit failed). A memory ring lets a message
  // go only once it is settled, so that a replay finds in the log what the ring no longer holds.
  // Messages read from the log after wait_stored() for their room are settled.
  mutable std::atomic<bool> settled{false};
};
using StoredMessagePtr = std::shared_ptr<const StoredMessage>;

// Whom to tell once a message is stored (the sender's Ack); the log only carries it through.
struct AckTo {
  net::ConnId sender;  // invalid: nobody
  std::uint64_t request_id = 0;
  std::uint64_t client_msg_id = 0;
};

// A message the writer stored (or failed to), and whom to tell.
struct Stored {
  StoredMessagePtr msg;
  AckTo ack;
};

// How much a backend keeps of each room.
struct Retention {
  std::uint64_t max_per_room = 10000;   // 0: no count limit
  std::chrono::hours max_age{24 * 30};  // 0: no age limit
};

}  // namespace chat::server
