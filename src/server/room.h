// Internal header (server). A chat room and the directory of rooms.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat.pb.h"
#include "net/conn_id.h"
#include "session_pool.h"

namespace chat::server {

struct Member {
  net::ConnId id;
  std::string nickname;
};

// Members and the sequence counter of one room. Thread-safe: every method takes the room's lock,
// and every frame to members is queued while holding it, so all members see the room's traffic
// (messages and presence) in one order, the order of `seq`.
class Room {
 public:
  explicit Room(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  // Adds `who`: queues Presence(JOINED) to the others, then a UserList snapshot to `who` itself
  // (carrying `request_id`). False if `who` is already a member.
  bool join(const Member& who, std::uint64_t request_id, Delivery& out);
  // Removes `id` and queues Presence(LEFT, *reason) to the remaining members (none if `reason`
  // is null). Returns false if it was not a member.
  bool leave(net::ConnId id, const std::string* reason, Delivery& out);
  // Stamps `msg` with the next sequence number, serializes it once and queues the same bytes to
  // every member but `sender`. Returns the sequence number.
  std::uint64_t publish(proto::Envelope& msg, net::ConnId sender, Delivery& out);
  std::vector<std::string> member_names() const;
  bool empty() const;

 private:
  const std::string name_;
  mutable std::mutex mutex_;
  std::vector<Member> members_;  // in join order
  std::uint64_t last_seq_ = 0;
};

// Rooms by folded name. A room exists while someone is in it; the lobby always exists.
// Thread-safe. Lock order: directory, then room.
class RoomDirectory {
 public:
  explicit RoomDirectory(std::string lobby_name);

  // The room named `name` (any letter case), or null.
  std::shared_ptr<Room> find(const std::string& name) const;
  // Joins `who` to `name`, creating the room if needed; null if `who` is already in it.
  std::shared_ptr<Room> join(const std::string& name, const Member& who, std::uint64_t request_id,
                             Delivery& out);
  // Leaves `name`; an emptied room other than the lobby is removed. False if not a member.
  bool leave(const std::string& name, net::ConnId id, const std::string* reason, Delivery& out);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Room>> by_folded_;
  std::string lobby_folded_;
};

}  // namespace chat::server
