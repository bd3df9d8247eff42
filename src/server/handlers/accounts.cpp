// Register, ChangePassword, DeleteAccount and OperatorCommand: the requests of accounts and their
// roles. Every password is checked or hashed on the auth pool, never here on an I/O thread.
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
      AuthJob{AuthJob::Kind::register_nickname, id, s.nickname, password, counted, {}},
      req.request_id(), false};
}

namespace {

// Error(NOT_LOGGED_IN) unless `s` holds its nickname by an account's password; true if so.
bool refuse_guest(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  if (s.logged_in && core.accounts->is_registered(s.nickname)) {
    return false;
  }
  core.send_error(id, s, req, proto::NOT_LOGGED_IN,
                  "you are not logged in to a registered account (join with its password)");
  return true;
}

}  // namespace

void handle_change_password(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const proto::ChangePassword& change = req.change_password();
  if (refuse_guest(core, id, s, req)) {
    return;
  }
  const std::size_t bytes = change.new_password().size();
  if (bytes < kMinPasswordBytes || bytes > kMaxPasswordBytes) {
    core.send_error(
        id, s, req, proto::PASSWORD_INVALID,
        fmt::format("a password has {} to {} bytes", kMinPasswordBytes, kMaxPasswordBytes));
    return;
  }
  // Checked and hashed on the auth pool, throttled as a login from this address is.
  s.auth = Session::PendingAuth{
      AuthJob{AuthJob::Kind::change_password, id, s.nickname, change.old_password(),
              address_key(s.host), change.new_password()},
      req.request_id(), false};
}

void handle_delete_account(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  if (refuse_guest(core, id, s, req)) {
    return;
  }
  s.auth = Session::PendingAuth{AuthJob{AuthJob::Kind::delete_account,
                                        id,
                                        s.nickname,
                                        req.delete_account().password(),
                                        address_key(s.host),
                                        {}},
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
