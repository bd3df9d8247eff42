// Internal header (server). A connection's chat state handed to the auth worker while its
// password is checked (or stored), and taken back when the answer comes.
#pragma once

#include <cstdint>

#include "accounts/auth_worker.h"
#include "net/conn_id.h"
#include "session.h"

namespace chat::server {

struct ServerCore;
class RequestIntake;

// The hand-over protocol, on Session::auth_tag (see Session): begin() marks the check pending
// and submits it; on_result() wins the tag (pending -> finishing) and owns the session until it
// reads on; cancel(), from on_closed, either takes the pending check back or waits for the
// finishing one. One per server.
class AuthHandover {
 public:
  AuthHandover(ServerCore& core, RequestIntake& intake) : core_(core), intake_(intake) {}

  // When a receive ends: submits the check a handler left in s.auth. True when `s` now waits
  // for on_result() and nothing more is read; false when there was none to submit (or the
  // connection is leaving). From `id`'s own callbacks.
  bool begin(net::ConnId id, Session& s);
  // The auth worker's answer, posted to a worker thread: takes `s` over unless cancel() ran,
  // answers the request, handles the frames held meanwhile, reads on.
  void on_result(const AuthResult& r);
  // From on_closed(): no auth result may touch `s` after this (waits for one finishing).
  void cancel(net::ConnId id, Session& s);

 private:
  void finish(net::ConnId id, Session& s, const AuthResult& r);
  // The reply to a registration, password change or deletion the auth worker carried out, and
  // what it changes for the session (logged in, or a guest again). Owns `s` as finish() does.
  void finish_account_change(net::ConnId id, Session& s, AuthJob::Kind kind,
                             std::uint64_t request_id);

  ServerCore& core_;
  RequestIntake& intake_;
};

}  // namespace chat::server
