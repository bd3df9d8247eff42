#include "room.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "net/wire/envelope_codec.h"
#include "validation.h"

namespace chat::server {
namespace {

// A stored message as replayed: a ChatMessage marked as history.
proto::Envelope history_envelope(const StoredMessage& m) {
  proto::Envelope past;
  auto* cm = past.mutable_chat_message();
  cm->set_room(m.room);
  cm->set_from(m.from);
  cm->set_text(m.text);
  cm->set_seq(m.seq);
  cm->set_server_time_ms(m.server_time_ms);
  cm->set_server_msg_id(m.server_msg_id);
  cm->set_action(m.action);
  cm->set_history(true);
  return past;
}

}  // namespace

Room::Room(std::string name, const RoomHistory& history)
    : name_(std::move(name)),
      key_(fold_name(name_)),
      history_(history),
      recent_(history.replay, history.budget, mutex_, history.store != nullptr) {
  if (history_.store != nullptr) {
    // The room may have been emptied and removed a moment ago, its last messages still on their
    // way to disk: wait for them, so its seq continues after them, never over them.
    history_.store->wait_stored(key_);
    last_seq_ = history_.store->last_seq(key_);
  }
}

void Room::enforce_budget() const {
  if (history_.budget != nullptr) {
    history_.budget->enforce();
  }
}

bool Room::join(const Member& who, std::uint64_t request_id, Delivery& out,
                std::optional<std::uint64_t> since_seq) {
  if (!join_locked(who, request_id, out, since_seq)) {
    return false;
  }
  enforce_budget();  // a replay from the store may have refilled the ring
  return true;
}

bool Room::join_locked(const Member& who, std::uint64_t request_id, Delivery& out,
                       std::optional<std::uint64_t> since_seq) {
  std::lock_guard lock(mutex_);
  if (member(who.id) != members_.end()) {
    return false;
  }
  proto::Envelope joined = presence(proto::Presence::JOINED, who.nickname);
  joined.mutable_presence()->set_reason("join");
  tell_members(joined, net::ConnId{}, out);
  members_.push_back(who);

  proto::Envelope list;
  list.set_request_id(request_id);
  auto* ul = list.mutable_user_list();
  ul->set_room(name_);
  for (const Member& m : members_) {
    ul->add_members(m.nickname);
  }
  out.push(who.id, list);
  if (since_seq) {
    replay_since(who.id, *since_seq, out);
  } else {
    replay_newest(who.id, out);
  }
  recent_.touch();
  return true;
}

std::uint64_t Room::ring_first() const {
  return recent_.empty() ? last_seq_ + 1 : recent_.front_seq();
}

std::vector<StoredMessagePtr> Room::older_than_ring(std::uint64_t from) {
  const std::uint64_t first = ring_first();
  if (from + 1 >= first || history_.store == nullptr) {
    return {};
  }
  // Holding the room lock, nothing new is published here, so once this room's pending messages
  // are stored the disk has every seq up to the ring. (The budget evicts only stored messages;
  // the ring's capacity drops the oldest whether stored or not.)
  history_.store->wait_stored(key_);
  std::vector<StoredMessagePtr> older = history_.store->read_after(key_, from, first - from - 1);
  // The count assumes every seq after `from` is still on disk; where older ones were pruned,
  // it reaches into the ring, which is replayed after them: stop before it.
  std::erase_if(older, [&](const StoredMessagePtr& m) { return m->seq >= first; });
  if (!older.empty() && older.back()->seq + 1 == first) {
    recent_.push_front(older);  // no gap between them and the ring: the ring stays consecutive
  }
  return older;
}

void Room::replay_newest(net::ConnId to, Delivery& out) {
  // Everything after `from`: the newest history_.replay messages (fewer in a young room), and
  // never more than a resume may send, which the joiner's send queue holds.
  const std::uint64_t count = std::min<std::uint64_t>(history_.replay, history_.max_resume);
  const std::uint64_t from = last_seq_ - std::min<std::uint64_t>(count, last_seq_);
  const std::uint64_t first_in_ring = ring_first();
  send_history(to, older_than_ring(from), first_in_ring, from, out);
}

void Room::send_history(net::ConnId to, const std::vector<StoredMessagePtr>& older,
                        std::uint64_t first_in_ring, std::uint64_t from, Delivery& out) {
  for (const StoredMessagePtr& m : older) {
    out.push(to, history_envelope(*m));
  }
  for (const StoredMessagePtr& m : recent_) {
    if (m->seq >= first_in_ring && m->seq > from) {  // not those just put back from `older`
      out.push(to, history_envelope(*m));
    }
  }
}

void Room::replay_since(net::ConnId to, std::uint64_t since_seq, Delivery& out) {
  if (since_seq >= last_seq_) {
    return;  // seen everything (or more than there is: nothing to send)
  }
  // At most the newest max_resume messages; what is before them counts as missing.
  const std::uint64_t from = std::max<std::uint64_t>(
      since_seq, last_seq_ > history_.max_resume ? last_seq_ - history_.max_resume : 0);
  const std::uint64_t first_in_ring = ring_first();
  const std::vector<StoredMessagePtr> older = older_than_ring(from);
  // The first seq this replay sends: everything between since_seq and it is missing.
  const std::uint64_t first_available =
      older.empty() ? std::max(first_in_ring, from + 1) : older.front()->seq;
  if (since_seq + 1 < first_available) {
    proto::Envelope gap;
    auto* n = gap.mutable_notice();
    n->set_kind(proto::Notice::HISTORY_GAP);
    n->set_room(name_);
    n->set_missing_from(since_seq + 1);
    n->set_missing_to(first_available - 1);
    n->set_text(fmt::format("messages {} to {} of {} are no longer kept", since_seq + 1,
                            first_available - 1, name_));
    out.push(to, gap);
  }
  send_history(to, older, first_in_ring, from, out);
}

bool Room::leave(net::ConnId id, const std::string* reason, Delivery& out) {
  std::lock_guard lock(mutex_);
  const auto it = member(id);
  if (it == members_.end()) {
    return false;
  }
  const std::string nickname = std::move(it->nickname);
  members_.erase(it);
  if (reason != nullptr && !members_.empty()) {
    proto::Envelope left = presence(proto::Presence::LEFT, nickname);
    left.mutable_presence()->set_reason(*reason);
    tell_members(left, net::ConnId{}, out);
  }
  if (members_.empty() && history_.store != nullptr) {
    recent_.clear();  // nobody to replay to; the store has it all for whoever comes next
  }
  return true;
}

Room::Published Room::publish(proto::Envelope& msg, net::ConnId sender, Delivery& out,
                              const AckTo& ack) {
  const Published published = publish_locked(msg, sender, out, ack);
  enforce_budget();
  return published;
}

Room::Published Room::publish_locked(proto::Envelope& msg, net::ConnId sender, Delivery& out,
                                     const AckTo& ack) {
  std::lock_guard lock(mutex_);
  if (std::none_of(members_.begin(), members_.end(),
                   [&](const Member& m) { return m.id == sender; })) {
    return {};
  }
  const std::uint64_t seq = ++last_seq_;
  auto* cm = msg.mutable_chat_message();
  cm->set_seq(seq);
  const wire::FramedMessage frame(msg);  // serialized once, shared by every recipient
  for (const Member& m : members_) {
    if (m.id != sender) {
      out.push(m.id, frame);
    }
  }
  if (history_.replay == 0 && history_.store == nullptr) {
    return {seq, false};
  }
  // The frame is built: the sender and text move into the history instead of being copied.
  auto kept = std::make_shared<StoredMessage>();
  kept->room_key = key_;
  kept->room = name_;
  kept->from = std::move(*cm->mutable_from());
  kept->text = std::move(*cm->mutable_text());
  kept->seq = seq;
  kept->server_time_ms = cm->server_time_ms();
  kept->server_msg_id = cm->server_msg_id();
  kept->action = cm->action();
  recent_.push_back(kept);  // unless it keeps nothing
  if (history_.store == nullptr) {
    return {seq, false};
  }
  // Appended under the room lock, so the store receives each room's messages in seq order.
  history_.store->append(std::move(kept), ack);
  return {seq, true};
}

bool Room::rename_member(net::ConnId id, const std::string& nickname, Delivery& out) {
  std::lock_guard lock(mutex_);
  const auto it = member(id);
  if (it == members_.end()) {
    return false;
  }
  proto::Envelope renamed = presence(proto::Presence::RENAMED, nickname);
  renamed.mutable_presence()->set_old_nickname(std::exchange(it->nickname, nickname));
  renamed.mutable_presence()->set_reason("nick");
  tell_members(renamed, id, out);
  return true;
}

std::vector<Member>::iterator Room::member(net::ConnId id) {
  return std::find_if(members_.begin(), members_.end(),
                      [&](const Member& m) { return m.id == id; });
}

proto::Envelope Room::presence(proto::Presence::Kind kind, const std::string& nickname) const {
  proto::Envelope env;
  auto* p = env.mutable_presence();
  p->set_room(name_);
  p->set_nickname(nickname);
  p->set_kind(kind);
  return env;
}

void Room::tell_members(const proto::Envelope& env, net::ConnId except, Delivery& out) const {
  const wire::FramedMessage frame(env);  // serialized once, shared by every member
  for (const Member& m : members_) {
    if (m.id != except) {
      out.push(m.id, frame);
    }
  }
}

std::size_t Room::member_count() const {
  std::lock_guard lock(mutex_);
  return members_.size();
}

std::vector<std::string> Room::member_names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  names.reserve(members_.size());
  for (const Member& m : members_) {
    names.push_back(m.nickname);
  }
  return names;
}

std::uint64_t Room::last_seq() const {
  std::lock_guard lock(mutex_);
  return last_seq_;
}

bool Room::empty() const {
  std::lock_guard lock(mutex_);
  return members_.empty();
}

Room::InMemory Room::in_memory() const {
  std::lock_guard lock(mutex_);
  return {recent_.size(), recent_.bytes()};
}

RoomDirectory::RoomDirectory(std::string lobby_name, const RoomHistory& history)
    : history_(history), lobby_folded_(fold_name(lobby_name)) {
  by_folded_.emplace(lobby_folded_, std::make_shared<Room>(std::move(lobby_name), history_));
}

std::shared_ptr<Room> RoomDirectory::find(const std::string& name) const {
  const std::string key = fold_name(name);
  std::lock_guard lock(mutex_);
  const auto it = by_folded_.find(key);
  return it == by_folded_.end() ? nullptr : it->second;
}

std::shared_ptr<Room> RoomDirectory::join(const std::string& name, const Member& who,
                                          std::uint64_t request_id, Delivery& out,
                                          std::optional<std::uint64_t> since_seq,
                                          const std::function<bool()>& still_wanted) {
  const std::string key = fold_name(name);
  std::lock_guard lock(mutex_);
  if (still_wanted && !still_wanted()) {
    return nullptr;
  }
  auto& room = by_folded_[key];
  if (!room) {
    room = std::make_shared<Room>(name, history_);  // reads its past, under the directory lock
  }
  if (!room->join(who, request_id, out, since_seq)) {
    return nullptr;
  }
  return room;
}

bool RoomDirectory::leave(const std::string& name, net::ConnId id, const std::string* reason,
                          Delivery& out) {
  const std::string key = fold_name(name);
  std::lock_guard lock(mutex_);
  const auto it = by_folded_.find(key);
  if (it == by_folded_.end() || !it->second->leave(id, reason, out)) {
    return false;
  }
  if (key != lobby_folded_ && it->second->empty()) {
    by_folded_.erase(it);
  }
  return true;
}

unsigned RoomDirectory::leave_all(net::ConnId id, const std::string* reason, Delivery& out) {
  std::lock_guard lock(mutex_);
  unsigned left = 0;
  for (auto it = by_folded_.begin(); it != by_folded_.end();) {
    if (it->second->leave(id, reason, out)) {
      ++left;
      if (it->first != lobby_folded_ && it->second->empty()) {
        it = by_folded_.erase(it);
        continue;
      }
    }
    ++it;
  }
  return left;
}

std::size_t RoomDirectory::size() const {
  std::lock_guard lock(mutex_);
  return by_folded_.size();
}

std::vector<std::shared_ptr<Room>> RoomDirectory::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Room>> rooms;
  rooms.reserve(by_folded_.size());
  for (const auto& [key, room] : by_folded_) {
    rooms.push_back(room);
  }
  return rooms;
}

RoomDirectory::Page RoomDirectory::page(const std::string& after, std::size_t limit) const {
  const std::string from = fold_name(after);
  using Entry = const std::pair<const std::string, std::shared_ptr<Room>>*;
  // A max-heap of the `limit` smallest keys after `from`: one pass, log(limit) a room, and no
  // reference count touched but the page's, so a /list holds up the joins and broadcasts that
  // need this lock for no longer than a scan of the keys.
  const auto key_less = [](Entry a, Entry b) { return a->first < b->first; };
  std::vector<Entry> best;
  best.reserve(limit);
  std::size_t later = 0;
  Page page;
  std::lock_guard lock(mutex_);
  page.total = by_folded_.size();
  for (const auto& entry : by_folded_) {
    if (!from.empty() && entry.first <= from) {
      continue;
    }
    ++later;
    if (best.size() < limit) {
      best.push_back(&entry);
      std::push_heap(best.begin(), best.end(), key_less);
    } else if (limit > 0 && entry.first < best.front()->first) {
      std::pop_heap(best.begin(), best.end(), key_less);
      best.back() = &entry;
      std::push_heap(best.begin(), best.end(), key_less);
    }
  }
  std::sort_heap(best.begin(), best.end(), key_less);
  page.more = later > best.size();
  page.rooms.reserve(best.size());
  for (const Entry entry : best) {
    page.rooms.push_back(entry->second);
  }
  return page;
}

}  // namespace chat::server
