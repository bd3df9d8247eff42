// Register and OperatorCommand: the requests of accounts and their roles.
#include "../address_limits.h"
#include "../log.h"
#include "../operators/operator_commands.h"
#include "handlers.h"

namespace chat::server {

void handle_register(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const std::string& password = req.register_nickname().password();
  if (s.logged_in || core.accounts->is_registered(s.nickname)) {
    core.send_error(id, s, req, proto::ALREADY_REGISTERED,
                    fmt::format("nickname '{}' is registered already", s.nickname));
    return;
  }
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    core.send_error(
        id, s, req, proto::PASSWORD_INVALID,
        fmt::format("a password has {} to {} bytes", kMinPasswordBytes, kMaxPasswordBytes));
    return;
  }
  // Loopback clients share one address behind a local proxy: the per-address limit spares
  // them unless --limit-loopback, as the connection limits do.
  const std::string counted =
      core.config.limit_loopback || !is_loopback(s.host) ? address_key(s.host) : "";
  const RegistrationLimiter::Verdict verdict = core.auth->admit_registration(counted);
  if (verdict.retry_after_s > 0) {
    log::warn("register {} {}: {} refused, too many registrations {}", id, s.peer, s.nickname,
              verdict.by_address ? "from the address" : "on the server");
    core.send_error(id, s, req, proto::REGISTRATION_LIMITED,
                    fmt::format("too many registrations {} this hour; try again in {} s",
                                verdict.by_address ? "from your address" : "on this server",
                                static_cast<unsigned>(verdict.retry_after_s + 0.999)));
    return;
  }
  // Hashed on the auth pool; ChatServer submits it when this receive ends.
  s.auth = Session::PendingAuth{
      AuthJob{AuthJob::Kind::register_nickname, id, s.nickname, password, counted},
      req.request_id(), false};
}

void handle_operator_command(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const std::string& line = req.operator_command().line();
  if (!core.is_operator(s)) {
    core.send_error(id, s, req, proto::NOT_OPERATOR,
                    s.logged_in ? "your account does not have the operator role"
                                : "operator commands need a registered account with the "
                                  "operator role, logged in with its password");
    return;
  }
  OperatorResult result = run_operator_command(core, s.nickname, false, line);
  if (!result.ok) {
    core.send_error(id, s, req, proto::COMMAND_INVALID,
                    result.lines.empty() ? std::string("invalid command") : result.lines.front());
    return;
  }
  Envelope reply;
  reply.set_request_id(req.request_id());
  for (std::string& text : result.lines) {
    reply.mutable_operator_reply()->add_lines(std::move(text));
  }
  core.send(id, reply);
  if (result.after_reply) {
    result.after_reply();  // queued behind the reply: a shutdown notice comes after it
  }
}

}  // namespace chat::server
