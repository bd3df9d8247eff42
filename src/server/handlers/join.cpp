// Join: the handshake that gives a connection its nickname and puts it in the lobby.
#include "../log.h"
#include "handlers.h"

namespace chat::server {

void handle_join(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const auto& join = req.join();
  if (s.phase != Session::Phase::handshake) {
    core.send_error(id, s, req, proto::ALREADY_JOINED, "already joined as " + s.nickname);
    return;
  }
  if (join.protocol_version() > ServerConfig::kProtocolVersion) {
    core.send_error(id, s, req, proto::UNSUPPORTED_VERSION,
                    fmt::format("protocol version {} is not supported; this server speaks {}",
                                join.protocol_version(), ServerConfig::kProtocolVersion));
    return;
  }
  if (!check_name_or_reject(core, id, s, req, join.nickname(), core.config.max_nickname_bytes,
                            proto::NICKNAME_INVALID, "nickname")) {
    return;
  }
  if (!core.nicknames.claim(join.nickname(), id)) {
    core.send_error(id, s, req, proto::NICKNAME_TAKEN,
                    fmt::format("nickname '{}' is already in use", join.nickname()));
    return;
  }
  s.nickname = join.nickname();
  s.phase = Session::Phase::joined;
  s.joined.store(true);
  log::info("join {} {} as {}", id, s.peer, s.nickname);

  Envelope welcome;
  welcome.set_request_id(req.request_id());
  auto* w = welcome.mutable_welcome();
  w->set_nickname(s.nickname);
  if (!join.skip_lobby()) {
    w->add_rooms(ServerConfig::kLobby);
  }
  w->set_motd(core.config.motd);
  w->set_server_version(CHAT_SERVER_VERSION);
  w->set_protocol_version(ServerConfig::kProtocolVersion);
  auto* limits = w->mutable_limits();
  limits->set_max_frame_bytes(core.config.max_frame_bytes);
  limits->set_max_text_bytes(core.config.max_text_bytes);
  limits->set_max_nickname_bytes(core.config.max_nickname_bytes);
  limits->set_max_room_name_bytes(core.config.max_room_name_bytes);
  limits->set_max_rooms_per_session(core.config.max_rooms_per_session);
  limits->set_heartbeat_interval_ms(
      static_cast<std::uint32_t>(core.config.heartbeat_interval.count()));
  limits->set_heartbeat_timeout_ms(
      static_cast<std::uint32_t>(core.config.heartbeat_timeout.count()));
  if (core.config.flood_rate != 0) {
    limits->set_flood_burst(core.config.flood_burst);
    limits->set_flood_rate(core.config.flood_rate);
  }
  core.send(id, welcome);
  if (join.skip_lobby()) {
    return;
  }

  Delivery out(core.pool, *core.io);
  if (auto room =
          core.rooms.join(ServerConfig::kLobby, Member{id, s.nickname}, req.request_id(), out)) {
    s.rooms.push_back(room->name());
  }
}

}  // namespace chat::server
