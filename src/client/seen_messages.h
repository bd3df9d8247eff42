// Public header. What the console client has shown of each room, by seq: enough to resume a room
// after a lost connection and to drop what the resume sends a second time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace chat::client {

// Why more than "the last seq seen": a server killed with kill -9 has delivered its newest
// messages live but not yet stored them, and after its restart it hands those seqs to new
// messages. Resuming from the last seq seen would then skip the new messages that reuse them. So
// the last kKeptPerRoom messages of each room are remembered by identity (server_msg_id and
// server_time_ms: a message that reuses a seq differs in both), a resume asks for everything
// after the oldest of them, and whatever comes back that was shown already is dropped.
//
// Rooms are matched ignoring ASCII letter case, as ConsoleSession matches names.
// Thread contract: none; ConsoleSession uses it under its own mutex.
class SeenMessages {
 public:
  // Enough for the messages a sudden kill can leave unstored (the server's writer commits a batch
  // every few milliseconds); one resume replays at most this many already shown ones per room.
  static constexpr std::size_t kKeptPerRoom = 128;

  struct Id {
    std::uint64_t server_msg_id = 0;
    std::uint64_t server_time_ms = 0;
    bool operator==(const Id&) const = default;
  };
  // A room message that was shown, received or our own (from its Ack). A second record of the
  // same seq replaces the first (the seq was reused after a restart).
  void record(const std::string& room, std::uint64_t seq, Id id);
  // True when exactly this message (seq and identity) was shown already.
  bool seen(const std::string& room, std::uint64_t seq, Id id) const;
  // The JoinRoom.since_seq that resumes `room`: just before the oldest message remembered, so
  // nothing after it can be missed; 0 (everything the server keeps) when none is remembered.
  std::uint64_t resume_from(const std::string& room) const;
  // Of the seqs first..last a HISTORY_GAP says are lost, how many were never shown, and the
  // first and last of those (count 0: every one of them was shown; nothing is lost to us).
  struct Unseen {
    std::uint64_t count = 0;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
  };
  Unseen unseen(const std::string& room, std::uint64_t first, std::uint64_t last) const;
  // We left the room: a later join of it starts afresh.
  void forget(const std::string& room);

 private:
  static std::string key(const std::string& room);
  std::map<std::string, std::map<std::uint64_t, Id>> rooms_;  // by key(room), then by seq
};

}  // namespace chat::client
