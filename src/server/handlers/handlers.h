// Internal header (server). One function per request; each runs inside the requesting
// connection's own on_recv callback, so it may touch that Session's chat state freely.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "../server_core.h"

namespace chat::server {

using proto::Envelope;

void handle_join(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_join_room(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_leave_room(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_user_list(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_broadcast(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_whisper(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_echo(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_ping(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_pong(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_quit(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_register(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_operator_command(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_change_password(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_delete_account(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_room_list(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
void handle_change_nickname(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);

// The rest of a successful Join: claims `nickname` (or answers NICKNAME_TAKEN), sends the
// Welcome and enters the lobby. From `id`'s own callbacks, or from the auth result that owns
// `s` for the moment (AuthHandover::on_result).
void enter_chat(ServerCore& core, net::ConnId id, Session& s, const std::string& nickname,
                std::uint64_t request_id, bool skip_lobby, bool logged_in);

// Checks a room name or nickname; on failure sends `code` with a reason and returns false.
bool check_name_or_reject(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                          std::string_view name, std::size_t max_bytes, proto::ErrorCode code,
                          std::string_view what);
// check_name_or_reject for a room name (ROOM_NAME_INVALID), used by every request naming a room.
bool check_room_name(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                     std::string_view room);
// The session's own spelling of a room it is in, matched in any letter case; s.rooms.end() if
// it is in no such room.
std::vector<std::string>::iterator find_joined(Session& s, std::string_view room);
// find_joined, answering Error(NOT_IN_ROOM) (and returning s.rooms.end()) when not in `room`.
std::vector<std::string>::iterator find_joined_or_reject(ServerCore& core, net::ConnId id,
                                                         Session& s, const Envelope& req,
                                                         std::string_view room);
// Error(MUTED) for a session an operator muted; true if so.
bool refuse_muted(ServerCore& core, net::ConnId id, Session& s, const Envelope& req);
// Checks chat text (Broadcast/Whisper): non-empty, within the limit, UTF-8.
bool check_text_or_reject(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                          std::string_view text);

}  // namespace chat::server
