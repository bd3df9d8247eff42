// Internal header (server). A chat room and the directory of rooms.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat.pb.h"
#include "delivery.h"
#include "history/history_budget.h"
#include "history/history_ring.h"
#include "net/conn_id.h"
#include "session_pool.h"
#include "storage/message_log.h"

namespace chat::server {

struct Member {
  net::ConnId id;
  std::string nickname;
};

// How rooms keep their past.
struct RoomHistory {
  MessageLog* store = nullptr;  // null: nothing is stored; seq starts at 1 in a new room
  std::size_t replay = 0;       // messages replayed to a member who joins (0: none)
  // The most a join replays: a resume (JoinRoom.since_seq) reports anything older as a gap, a
  // plain join sends the newest `replay` up to this many. Keeps one replay well inside the
  // joiner's send queue limit.
  std::size_t max_resume = 500;
  // What all rooms together may keep in memory (null: no limit but `replay` per room).
  HistoryBudget* budget = nullptr;
};

// Members and the sequence counter of one room. Thread-safe: every method takes the room's lock,
// and every frame to members is queued while holding it, so all members see the room's traffic
// (messages and presence) in one order, the order of `seq`. Lock order: the room's lock, then
// the history budget's (which takes a room's lock only with try_lock).
class Room {
 public:
  // A room without history (tests, benchmarks).
  explicit Room(std::string name) : Room(std::move(name), RoomHistory{}) {}
  // A room that continues where its stored past ends: its next seq follows the last stored one.
  // Its memory ring starts empty: its first replays read the store. Reads the store.
  Room(std::string name, const RoomHistory& history);
  const std::string& name() const { return name_; }
  const std::string& key() const { return key_; }  // fold_name(name())

  // Adds `who`: queues Presence(JOINED) to the others, then a UserList snapshot to `who` itself
  // (carrying `request_id`), then history: the room's newest `replay` messages, or with
  // `since_seq` every message after it (after a Notice{HISTORY_GAP} for what is no longer kept).
  // Either comes from the memory ring as far as it reaches back and from the store before that
  // (which then refills the ring: the room is in use). False if `who` is already a member.
  // Enforces the budget after releasing the room's lock: call it holding no other room's lock.
  bool join(const Member& who, std::uint64_t request_id, Delivery& out,
            std::optional<std::uint64_t> since_seq = std::nullopt);
  // Removes `id` and queues Presence(LEFT, *reason) to the remaining members (none if `reason`
  // is null). Returns false if it was not a member. With a store, the last member leaving
  // releases the memory ring (the store has it all); without one only destroying the room does.
  bool leave(net::ConnId id, const std::string* reason, Delivery& out);
  // Stamps `msg` with the next sequence number, serializes it once and queues the same bytes to
  // every member but `sender`, and keeps it as history (taking its sender and text out of
  // `msg`). Returns the sequence number. With a store, `deferred` is true: the message goes to
  // the store with `ack`, and the store's on_stored sends that Ack once it is on disk.
  // A `sender` that is not a member (taken out by a kick on another thread, whose own list of
  // its rooms still names this one) publishes nothing: seq 0, as seqs start at 1.
  // Enforces the budget after releasing the room's lock: call it holding no other room's lock.
  struct Published {
    std::uint64_t seq = 0;
    bool deferred = false;
    bool published() const { return seq != 0; }
  };
  Published publish(proto::Envelope& msg, net::ConnId sender, Delivery& out, const AckTo& ack = {});
  // Gives member `id` the nickname `nickname` and queues Presence(RENAMED, from its old one) to
  // every other member, in the room's one order. False (nothing queued) if `id` is not a member:
  // a kick on another thread took it out.
  bool rename_member(net::ConnId id, const std::string& nickname, Delivery& out);
  std::vector<std::string> member_names() const;
  std::size_t member_count() const;
  bool empty() const;
  std::uint64_t last_seq() const;
  // The history held in memory now: messages, and bytes by HistoryBudget::cost.
  struct InMemory {
    std::size_t messages = 0;
    std::size_t bytes = 0;
  };
  InMemory in_memory() const;

 private:
  const std::string name_;
  const std::string key_;  // fold_name(name_)
  const RoomHistory history_;
  mutable std::mutex mutex_;
  std::vector<Member> members_;  // in join order
  std::uint64_t last_seq_ = 0;
  // At most the newest history_.replay messages, as far as the budget allows. After mutex_,
  // which guards it and must outlive it.
  HistoryRing recent_;

  // join() and publish() but for the budget, under mutex_.
  bool join_locked(const Member& who, std::uint64_t request_id, Delivery& out,
                   std::optional<std::uint64_t> since_seq);
  Published publish_locked(proto::Envelope& msg, net::ConnId sender, Delivery& out,
                           const AckTo& ack);
  // Queues the newest history_.replay messages to `to`. Under mutex_.
  void replay_newest(net::ConnId to, Delivery& out);
  // Queues the history `since_seq` asks for to `to`. Under mutex_.
  void replay_since(net::ConnId to, std::uint64_t since_seq, Delivery& out);
  // Queues `older` (read from the store), then the ring's messages with seq > from that were in
  // it before `older` was put back (seq >= first_in_ring). Under mutex_.
  void send_history(net::ConnId to, const std::vector<StoredMessagePtr>& older,
                    std::uint64_t first_in_ring, std::uint64_t from, Delivery& out);
  // The messages with seq > from that are older than the ring, read from the store (none
  // without one), oldest first; they go back into the ring as far as it has room. Under mutex_.
  std::vector<StoredMessagePtr> older_than_ring(std::uint64_t from);
  std::uint64_t ring_first() const;  // the seq the ring starts at (last_seq_ + 1: empty)
  // The member `id` (end(): not one). Under mutex_.
  std::vector<Member>::iterator member(net::ConnId id);
  // A Presence of `kind` for `nickname` in this room, without a reason.
  proto::Envelope presence(proto::Presence::Kind kind, const std::string& nickname) const;
  // Queues `env`, serialized once, to every member but `except` (an invalid id: everyone).
  // Under mutex_.
  void tell_members(const proto::Envelope& env, net::ConnId except, Delivery& out) const;
  void enforce_budget() const;  // without mutex_
};

// Rooms by folded name. A room exists while someone is in it; the lobby always exists.
// Thread-safe. Lock order: directory, then room.
class RoomDirectory {
 public:
  RoomDirectory(std::string lobby_name, const RoomHistory& history);

  // The room named `name` (any letter case), or null.
  std::shared_ptr<Room> find(const std::string& name) const;
  // Joins `who` to `name`, creating the room if needed; null if `who` is already in it, or if
  // `still_wanted` (asked under the directory's lock, the one leave_all() holds) says no: a
  // connection kicked on another thread must not join a room after leave_all() took it out.
  std::shared_ptr<Room> join(const std::string& name, const Member& who, std::uint64_t request_id,
                             Delivery& out, std::optional<std::uint64_t> since_seq = std::nullopt,
                             const std::function<bool()>& still_wanted = {});
  // Leaves `name`; an emptied room other than the lobby is removed. False if not a member.
  bool leave(const std::string& name, net::ConnId id, const std::string* reason, Delivery& out);
  // Leaves every room `id` is in, as leave() does each; returns how many. For a connection
  // removed from another thread, which cannot read the session's own list of its rooms.
  unsigned leave_all(net::ConnId id, const std::string* reason, Delivery& out);
  std::size_t size() const;
  // Every room, in no particular order (for operators).
  std::vector<std::shared_ptr<Room>> all() const;
  // At most `limit` rooms whose folded names sort after fold_name(`after`) (all: empty), in
  // that order, and whether more follow them (RoomListRequest's paging). Costs one pass over
  // the directory under its lock, and no room's lock.
  struct Page {
    std::vector<std::shared_ptr<Room>> rooms;
    bool more = false;
    std::size_t total = 0;  // rooms in the directory
  };
  Page page(const std::string& after, std::size_t limit) const;

 private:
  const RoomHistory history_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Room>> by_folded_;
  std::string lobby_folded_;
};

}  // namespace chat::server
