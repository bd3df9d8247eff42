// Join: the handshake that gives a connection its nickname and puts it in the lobby. A guest
// joins at once; a Join with a password waits for the auth worker (see enter_chat's callers).
#include "../log.h"
#include "../validation.h"
#include "handlers.h"

namespace chat::server {
namespace {

// A banned nickname or address gets a fatal Error(BANNED); true if so.
bool refuse_banned(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const std::uint64_t now = ServerCore::now_ms();
  auto ban = core.accounts->banned(Ban::Kind::nickname, fold_name(req.join().nickname()), now);
  if (!ban) {
    ban = core.accounts->banned(Ban::Kind::address, address_key(s.host), now);
  }
  if (!ban) {
    return false;
  }
  s.record_close(CloseReason::banned);
  core.send_error(id, s, req, proto::BANNED, describe_ban(*ban), true);
  return true;
}

// The answer to a successful Join: who the client is now, its rooms, and the limits it must
// keep to (docs/protocol.md, Welcome): the server's, and the flood limits `s` was accepted
// with (a reload changes them for later connections only).
Envelope make_welcome(ServerCore& core, const Session& s, std::uint64_t request_id, bool skip_lobby,
                      bool registered, bool is_operator) {
  const ServerConfig& config = core.config;
  Envelope welcome;
  welcome.set_request_id(request_id);
  auto* w = welcome.mutable_welcome();
  w->set_nickname(s.nickname);
  if (!skip_lobby) {
    w->add_rooms(ServerConfig::kLobby);
  }
  w->set_motd(core.live.motd());
  w->set_server_version(CHAT_SERVER_VERSION);
  w->set_protocol_version(ServerConfig::kProtocolVersion);
  w->set_registered(registered);
  w->set_is_operator(is_operator);
  auto* limits = w->mutable_limits();
  limits->set_max_frame_bytes(config.max_frame_bytes);
  limits->set_max_text_bytes(config.max_text_bytes);
  limits->set_max_nickname_bytes(config.max_nickname_bytes);
  limits->set_max_room_name_bytes(config.max_room_name_bytes);
  limits->set_max_rooms_per_session(config.max_rooms_per_session);
  limits->set_heartbeat_interval_ms(static_cast<std::uint32_t>(config.heartbeat_interval.count()));
  limits->set_heartbeat_timeout_ms(static_cast<std::uint32_t>(config.heartbeat_timeout.count()));
  if (s.flood.rate_per_s() > 0) {
    limits->set_flood_burst(static_cast<std::uint32_t>(s.flood.burst()));
    limits->set_flood_rate(static_cast<std::uint32_t>(s.flood.rate_per_s()));
  }
  return welcome;
}

}  // namespace

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
  if (refuse_banned(core, id, s, req)) {
    return;
  }
  const bool registered = core.accounts->is_registered(join.nickname());
  if (registered && join.password().empty()) {
    core.send_error(
        id, s, req, proto::NICKNAME_REGISTERED,
        fmt::format("nickname '{}' is registered: log in with its password", join.nickname()));
    return;
  }
  if (!registered && !join.password().empty()) {
    core.send_error(id, s, req, proto::LOGIN_FAILED,
                    fmt::format("nickname '{}' is not registered: join without a password, "
                                "then register it",
                                join.nickname()));
    return;
  }
  if (registered) {
    // Checked on the auth thread; ChatServer submits it when this receive ends.
    s.auth = Session::PendingAuth{
        AuthJob{
            AuthJob::Kind::login, id, join.nickname(), join.password(), address_key(s.host), {}},
        req.request_id(), join.skip_lobby()};
    return;
  }
  enter_chat(core, id, s, join.nickname(), req.request_id(), join.skip_lobby(), false);
}

void enter_chat(ServerCore& core, net::ConnId id, Session& s, const std::string& nickname,
                std::uint64_t request_id, bool skip_lobby, bool logged_in) {
  if (!logged_in && !core.nicknames.claim(nickname, id, s.host)) {
    Envelope req;
    req.set_request_id(request_id);
    req.mutable_join();
    core.send_error(id, s, req, proto::NICKNAME_TAKEN,
                    fmt::format("nickname '{}' is already in use", nickname));
    return;
  }
  s.nickname = nickname;
  s.logged_in = logged_in;
  s.phase = Session::Phase::joined;
  s.joined.store(true);
  const bool is_operator = core.is_operator(s);
  log::info("join {} {} as {}{}", id, s.peer, s.nickname,
            is_operator ? " (operator)"
            : logged_in ? " (registered)"
                        : "");

  core.send(id, make_welcome(core, s, request_id, skip_lobby, logged_in, is_operator));
  if (logged_in) {
    // The password proves who this is: an older connection of theirs (one the server has not
    // yet seen die, say) gives the nickname up rather than lock its owner out. Taken after the
    // Welcome is queued: from the take-over on, a later login may kick this connection in
    // turn, and its join must have had its answer before that Error.
    if (const auto previous = core.nicknames.take_over(nickname, id, s.host)) {
      log::info("login {} {}: {} takes over from {}", id, s.peer, nickname, previous->id);
      core.kick(*previous, CloseReason::replaced, "you logged in again from another connection");
    }
    // An op or deop between the Welcome and the take-over found no holder to tell; from here
    // on one finds this connection. Said now if the Welcome's is_operator no longer holds
    // (roles change on the server's console and by a reload only).
    const std::lock_guard roles(core.role_changes);
    if (core.is_operator(s) != is_operator) {
      core.send(id, ServerCore::role_changed_notice(!is_operator, "console"));
    }
  }
  if (skip_lobby) {
    return;
  }

  Delivery out(core.pool, *core.io);
  if (auto room = core.rooms.join(ServerConfig::kLobby, Member{id, s.nickname}, request_id, out,
                                  std::nullopt, [&] { return !s.expired_for(id); })) {
    s.rooms.push_back(room->name());
  }
}

}  // namespace chat::server
