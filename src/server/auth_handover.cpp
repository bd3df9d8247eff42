#include "auth_handover.h"

#include <thread>
#include <vector>

#include "handlers/handlers.h"
#include "log.h"
#include "net/wire/envelope_codec.h"
#include "request_intake.h"
#include "server_core.h"

namespace chat::server {

bool AuthHandover::begin(net::ConnId id, Session& s) {
  if (!s.auth) {
    return false;
  }
  if (s.phase == Session::Phase::closing) {
    s.auth.reset();  // closing anyway (a bad frame after it): nothing to check
    s.held_frames.clear();
    return false;
  }
  s.auth_tag.store((std::uint64_t{id.generation} << 2) | Session::auth_pending);
  if (s.expired_for(id)) {
    // Kicked meanwhile. The kick looks at auth_tag after setting the expired tag, this looks at
    // the expired tag after setting auth_tag (both sequentially consistent): at least one of
    // the two sees the other. Here the kick may have freed the nickname, so no registration
    // of it may go ahead.
    s.auth_tag.store(0);
    s.auth.reset();
    s.held_frames.clear();
    return false;
  }
  core_.auth->submit(std::move(s.auth->job));
  return true;  // from here on_result() or on_closed() owns `s`
}

void AuthHandover::on_result(const AuthResult& r) {
  Session& s = core_.pool.at(r.conn);
  const std::uint64_t mine = std::uint64_t{r.conn.generation} << 2;
  std::uint64_t expected = mine | Session::auth_pending;
  if (!s.auth_tag.compare_exchange_strong(expected, mine | Session::auth_finishing)) {
    return;  // the connection closed meanwhile (on_closed cancelled the check)
  }
  if (s.expired_for(r.conn)) {
    // Expelled while its password was checked (a timeout, a kick): it is leaving, so a login
    // must not take its nickname over (and kick the account's live session), nor a
    // registration go ahead. Its held frames go with it.
    s.auth.reset();
    s.held_frames.clear();
    s.auth_tag.store(0);
    intake_.read_on(r.conn, s);
    return;
  }
  finish(r.conn, s, r);
  if (begin(r.conn, s)) {
    return;  // a held frame asked again; the next result goes on from there
  }
  s.auth_tag.store(0);  // `s` is the connection's own callbacks' again
  intake_.read_on(r.conn, s);
}

void AuthHandover::finish(net::ConnId id, Session& s, const AuthResult& r) {
  Session::PendingAuth pending = std::move(*s.auth);
  s.auth.reset();
  proto::Envelope req;  // stands in for the request, for its request_id and name in an Error
  req.set_request_id(pending.request_id);
  const bool login = r.kind == AuthJob::Kind::login;
  switch (r.kind) {
    case AuthJob::Kind::login:
      req.mutable_join();
      break;
    case AuthJob::Kind::register_nickname:
      req.mutable_register_nickname();
      break;
    case AuthJob::Kind::change_password:
      req.mutable_change_password();
      break;
    case AuthJob::Kind::delete_account:
      req.mutable_delete_account();
      break;
  }
  switch (r.outcome) {
    case AuthResult::Outcome::ok:
      if (login && !core_.accounts->has_password_hash(r.nickname, r.verified_hash)) {
        // Reset on the console or deleted while it was checked: the password is no longer
        // the account's.
        log::warn("login {} {}: the password of {} changed while it was checked", id, s.peer,
                  r.nickname);
        core_.send_error(id, s, req, proto::LOGIN_FAILED,
                         fmt::format("wrong password for '{}'", r.nickname));
      } else if (login) {
        enter_chat(core_, id, s, r.nickname, pending.request_id, pending.skip_lobby, true);
        // A reset (or deletion) between the check above and the take-over in enter_chat found
        // no holder to disconnect yet; the take-over is done, so a later one finds this
        // connection. (The reset changes the hash, then looks for holders; this takes the
        // nickname, then looks at the hash: one of the two sees the other.)
        if (!core_.accounts->has_password_hash(r.nickname, r.verified_hash)) {
          core_.expel(id, CloseReason::kicked, proto::KICKED,
                      "the account's password was changed while you logged in");
        }
      } else {
        finish_account_change(id, s, r.kind, pending.request_id);
      }
      break;
    case AuthResult::Outcome::wrong_password:
      log::warn("{} {} {}: wrong password for {}",
                login ? std::string_view("login") : wire::body_name(req.body_case()), id, s.peer,
                r.nickname);
      core_.send_error(id, s, req, proto::LOGIN_FAILED,
                       fmt::format("wrong password for '{}'", r.nickname));
      break;
    case AuthResult::Outcome::throttled:
      log::warn("login {} {}: throttled for {}", id, s.peer, r.nickname);
      core_.send_error(id, s, req, proto::LOGIN_THROTTLED,
                       fmt::format("too many failed logins or too many waiting; try again in {} s",
                                   static_cast<unsigned>(r.retry_after_s + 0.999)));
      break;
    case AuthResult::Outcome::already_registered:
      core_.send_error(id, s, req, proto::ALREADY_REGISTERED,
                       fmt::format("nickname '{}' is registered already", r.nickname));
      break;
    case AuthResult::Outcome::failed:
      core_.send_error(id, s, req,
                       r.kind == AuthJob::Kind::register_nickname ? proto::ALREADY_REGISTERED
                                                                  : proto::LOGIN_FAILED,
                       "the server could not check or store the password; try again later");
      break;
  }
  // The frames that came after the request, in order, now that it is answered.
  std::vector<std::string> held = std::move(s.held_frames);
  s.held_frames.clear();
  const auto now = TokenBucket::Clock::now();
  proto::Envelope scratch;
  for (const std::string& frame : held) {
    const net::ByteSpan body(reinterpret_cast<const std::byte*>(frame.data()), frame.size());
    if (s.phase == Session::Phase::closing || !intake_.handle_frame(id, s, body, now, scratch)) {
      break;
    }
  }
}

void AuthHandover::finish_account_change(net::ConnId id, Session& s, AuthJob::Kind kind,
                                         std::uint64_t request_id) {
  proto::Envelope reply;
  reply.set_request_id(request_id);
  switch (kind) {
    case AuthJob::Kind::register_nickname:
      s.logged_in = true;
      log::info("register {} {}: nickname {} is registered", id, s.peer, s.nickname);
      reply.mutable_registered()->set_nickname(s.nickname);
      break;
    case AuthJob::Kind::change_password:
      log::info("account {} {}: {} changed its password", id, s.peer, s.nickname);
      reply.mutable_password_changed()->set_nickname(s.nickname);
      break;
    case AuthJob::Kind::delete_account:
      // A guest from now on, still holding the nickname; nobody else can log in to it or take
      // it until this connection leaves (docs/protocol.md, section 7).
      s.logged_in = false;
      log::info("account {} {}: {} deleted its account", id, s.peer, s.nickname);
      reply.mutable_account_deleted()->set_nickname(s.nickname);
      break;
    case AuthJob::Kind::login:
      return;  // enter_chat() answers a login
  }
  core_.send(id, reply);
}

void AuthHandover::cancel(net::ConnId id, Session& s) {
  const std::uint64_t mine = std::uint64_t{id.generation} << 2;
  for (;;) {
    std::uint64_t tag = s.auth_tag.load();
    if (tag == (mine | Session::auth_pending)) {
      if (s.auth_tag.compare_exchange_strong(tag, 0)) {
        break;  // on_result() will find it gone
      }
    } else if (tag == (mine | Session::auth_finishing)) {
      std::this_thread::yield();  // finishing on another worker: microseconds
    } else {
      break;
    }
  }
  s.auth_tag.store(0);
  s.auth.reset();
  s.held_frames.clear();
}

}  // namespace chat::server
