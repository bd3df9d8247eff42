// Internal header (server). Routes one decoded request to its handler by the Envelope's body.
#pragma once

#include "server_core.h"

namespace chat::server {

// Runs inside `id`'s on_recv callback. Requests other than Join, Ping and Quit need a joined
// session; server-to-client bodies and unknown bodies get Error(UNKNOWN_MESSAGE).
void dispatch(ServerCore& core, net::ConnId id, Session& s, const proto::Envelope& req);

}  // namespace chat::server
