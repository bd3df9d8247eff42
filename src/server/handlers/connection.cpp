// The requests about the connection itself (echo, ping, pong, quit): they touch no shared chat
// state.
#include "../validation.h"
#include "handlers.h"

namespace chat::server {

void handle_echo(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const std::string& text = req.echo().text();
  if (text.size() > core.config.max_text_bytes) {
    core.send_error(id, s, req, proto::TEXT_TOO_LONG,
                    fmt::format("text is over {} bytes", core.config.max_text_bytes));
    return;
  }
  Envelope reply;
  reply.set_request_id(req.request_id());
  reply.mutable_echo_reply()->set_text(text);
  core.send(id, reply);
}

void handle_ping(ServerCore& core, net::ConnId id, Session&, const Envelope& req) {
  Envelope reply;
  reply.set_request_id(req.request_id());
  reply.mutable_pong()->set_nonce(req.ping().nonce());
  reply.mutable_pong()->set_server_time_ms(ServerCore::now_ms());
  core.send(id, reply);
}

// A client's answer to the server's heartbeat Ping. Receiving it is the point (any frame shows
// the client is alive); there is nothing to reply.
void handle_pong(ServerCore&, net::ConnId, Session&, const Envelope&) {}

void handle_quit(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  std::string reason = req.quit().reason();
  if (reason.size() > core.config.max_text_bytes || !is_valid_utf8(reason)) {
    reason.clear();  // a bad goodbye is not worth an error: leave without it
  }
  s.quit_text = std::move(reason);
  core.close_gracefully(id, s, CloseReason::quit);
}

}  // namespace chat::server
