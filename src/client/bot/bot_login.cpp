// The login scenario's steps: connect, Join with the password, Welcome, Quit. A bot whose
// nickname is not registered yet spends its first cycle registering it (Join as a guest, then
// Register), so a run needs no accounts made beforehand and a second run reuses them.
#include "bot.h"

namespace chat::bot {

void Bot::login_join() {
  proto::Envelope join;
  join.mutable_join()->set_nickname(nickname());
  join.mutable_join()->set_protocol_version(1);
  join.mutable_join()->set_skip_lobby(true);
  logging_in_ = registered_;
  if (logging_in_) {
    join.mutable_join()->set_password(opt_.password);
  }
  send(join);
}

void Bot::login_step(const proto::Envelope& env) {
  switch (env.body_case()) {
    case proto::Envelope::kWelcome:
      if (!logging_in_) {
        proto::Envelope reg;
        reg.mutable_register_nickname()->set_password(opt_.password);
        send(reg);
        return;
      }
      join_latency_.record(now_us() - join_started_us_);  // connect to logged in
      logins_.fetch_add(1, std::memory_order_relaxed);
      quit_cycle("login done");
      return;
    case proto::Envelope::kRegistered:
      registered_ = true;
      quit_cycle("registered");
      return;
    case proto::Envelope::kError:
      if (env.error().code() == proto::NICKNAME_REGISTERED && !logging_in_) {
        registered_ = true;  // by an earlier run: log in on this connection
        login_join();
        return;
      }
      on_error(env.error());  // a violation; the cycle ends here, so the run does not hang
      quit_cycle("login refused");
      return;
    default:
      return;
  }
}

}  // namespace chat::bot
