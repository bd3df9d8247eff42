// Internal header (server). One function per request; each runs inside the requesting
// connection's own on_recv callback, so it may touch that Session's chat state freely.
#pragma once

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

// Checks a room name or nickname; on failure sends `code` with a reason and returns false.
bool check_name_or_reject(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                          std::string_view name, std::size_t max_bytes, proto::ErrorCode code,
                          std::string_view what);
// check_name_or_reject for a room name (ROOM_NAME_INVALID), used by every request naming a room.
bool check_room_name(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                     std::string_view room);
// Checks chat text (Broadcast/Whisper): non-empty, within the limit, UTF-8.
bool check_text_or_reject(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                          std::string_view text);

}  // namespace chat::server
