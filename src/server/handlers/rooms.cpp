// JoinRoom, LeaveRoom, UserListRequest, RoomListRequest: room membership.

#include "../log.h"
#include "../validation.h"
#include "handlers.h"

namespace chat::server {
namespace {
constexpr std::size_t kRoomListPage = 100;  // docs/protocol.md, RoomListRequest
}  // namespace

void handle_join_room(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const std::string& name = req.join_room().room();
  if (!check_room_name(core, id, s, req, name)) {
    return;
  }
  if (find_joined(s, name) != s.rooms.end()) {
    core.send_error(id, s, req, proto::ALREADY_IN_ROOM, fmt::format("already in room '{}'", name));
    return;
  }
  if (s.rooms.size() >= core.config.max_rooms_per_session) {
    core.send_error(id, s, req, proto::TOO_MANY_ROOMS,
                    fmt::format("already in {} rooms", core.config.max_rooms_per_session));
    return;
  }
  Delivery out(core.pool, *core.io);
  const std::optional<std::uint64_t> since =
      req.join_room().has_since_seq() ? std::optional(req.join_room().since_seq()) : std::nullopt;
  if (auto room = core.rooms.join(name, Member{id, s.nickname}, req.request_id(), out, since,
                                  [&] { return !s.expired_for(id); })) {
    s.rooms.push_back(room->name());
    log::debug("room {} {} joined {}", id, s.nickname, room->name());
  }
}

void handle_leave_room(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const std::string& name = req.leave_room().room();
  if (!check_room_name(core, id, s, req, name)) {
    return;
  }
  const auto joined = find_joined_or_reject(core, id, s, req, name);
  if (joined == s.rooms.end()) {
    return;
  }
  const std::string room = *joined;
  s.rooms.erase(joined);
  {
    Delivery out(core.pool, *core.io);
    const std::string reason = "leave";
    core.rooms.leave(room, id, &reason, out);
  }
  Envelope confirm;
  confirm.set_request_id(req.request_id());
  auto* p = confirm.mutable_presence();
  p->set_room(room);
  p->set_nickname(s.nickname);
  p->set_kind(proto::Presence::LEFT);
  p->set_reason("leave");
  core.send(id, confirm);
  log::debug("room {} {} left {}", id, s.nickname, room);
}

void handle_user_list(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const std::string& name = req.user_list_request().room();
  if (!check_room_name(core, id, s, req, name)) {
    return;
  }
  const auto room = core.rooms.find(name);
  if (!room) {
    core.send_error(id, s, req, proto::UNKNOWN_ROOM, fmt::format("no room '{}'", name));
    return;
  }
  Envelope reply;
  reply.set_request_id(req.request_id());
  auto* ul = reply.mutable_user_list();
  ul->set_room(room->name());
  for (std::string& member : room->member_names()) {
    ul->add_members(std::move(member));
  }
  core.send(id, reply);
}

void handle_room_list(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const std::string& after = req.room_list_request().after();
  if (!after.empty() && !check_room_name(core, id, s, req, after)) {
    return;
  }
  // A page, not every room: thousands of rooms would not fit one frame (max_frame_bytes), and
  // a page of 100 names of up to 32 bytes stays near 4 KiB.
  const RoomDirectory::Page page = core.rooms.page(after, kRoomListPage);
  Envelope reply;
  reply.set_request_id(req.request_id());
  auto* list = reply.mutable_room_list();
  list->set_total_rooms(static_cast<std::uint32_t>(page.total));
  for (const auto& room : page.rooms) {
    auto* info = list->add_rooms();
    info->set_name(room->name());
    info->set_members(static_cast<std::uint32_t>(room->member_count()));
  }
  if (page.more && !page.rooms.empty()) {
    list->set_next_after(page.rooms.back()->name());
  }
  core.send(id, reply);
}

}  // namespace chat::server
