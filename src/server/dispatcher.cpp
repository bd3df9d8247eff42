#include "dispatcher.h"

#include <array>

#include "handlers/handlers.h"

namespace chat::server {
namespace {

using Handler = void (*)(ServerCore&, net::ConnId, Session&, const proto::Envelope&);

struct Route {
  proto::Envelope::BodyCase body;
  Handler handler;
  bool needs_join;
};

constexpr std::array kRoutes{
    Route{proto::Envelope::kJoin, &handle_join, false},
    Route{proto::Envelope::kPing, &handle_ping, false},
    Route{proto::Envelope::kPong, &handle_pong, false},
    Route{proto::Envelope::kQuit, &handle_quit, false},
    Route{proto::Envelope::kJoinRoom, &handle_join_room, true},
    Route{proto::Envelope::kLeaveRoom, &handle_leave_room, true},
    Route{proto::Envelope::kBroadcast, &handle_broadcast, true},
    Route{proto::Envelope::kWhisper, &handle_whisper, true},
    Route{proto::Envelope::kEcho, &handle_echo, true},
    Route{proto::Envelope::kUserListRequest, &handle_user_list, true},
    Route{proto::Envelope::kRegisterNickname, &handle_register, true},
    Route{proto::Envelope::kOperatorCommand, &handle_operator_command, true},
    Route{proto::Envelope::kChangePassword, &handle_change_password, true},
    Route{proto::Envelope::kDeleteAccount, &handle_delete_account, true},
    Route{proto::Envelope::kRoomListRequest, &handle_room_list, true},
    Route{proto::Envelope::kChangeNickname, &handle_change_nickname, true},
};

}  // namespace

void dispatch(ServerCore& core, net::ConnId id, Session& s, const proto::Envelope& req) {
  for (const Route& route : kRoutes) {
    if (route.body != req.body_case()) {
      continue;
    }
    if (core.shutting_down.load(std::memory_order_relaxed)) {
      core.send_error(id, s, req, proto::SHUTTING_DOWN, "the server is shutting down");
    } else if (route.needs_join && s.phase != Session::Phase::joined) {
      core.send_error(id, s, req, proto::NOT_JOINED, "send Join first");
    } else {
      route.handler(core, id, s, req);
    }
    return;
  }
  core.send_error(id, s, req, proto::UNKNOWN_MESSAGE,
                  req.body_case() == proto::Envelope::BODY_NOT_SET
                      ? "no request body (empty frame or a message type this server does not know)"
                      : "not a client-to-server message");
}

}  // namespace chat::server
