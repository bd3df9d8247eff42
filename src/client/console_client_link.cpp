// ConsoleClient's connections: opening one, and replacing one that was lost (the reconnect
// thread), resuming the session over it.
#include <fmt/format.h>

#include "console_client.h"
#include "plural.h"

namespace chat::client {

using namespace std::chrono_literals;

namespace {

constexpr auto kConnectTimeout = 5s;
constexpr auto kJoinTimeout = 10s;

}  // namespace

// Connects a new Link, blocking up to kConnectTimeout; nullptr (and `ec`) when that fails or
// the client is stopping. Its callbacks carry a new generation: those of older Links are
// ignored from now on.
std::unique_ptr<ConsoleClient::Link> ConsoleClient::open_link(std::error_code& ec) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = ++generation_;
    link_closed_ = false;
    carried_after_welcome_ = false;
    close_reason_.clear();
    connect_done_ = false;
  }
  auto link = std::make_unique<Link>();
  link->connection = std::make_unique<ChatConnection>(
      network_, [this, generation](const proto::Envelope& env) { on_envelope(generation, env); },
      [this, generation](const std::string& reason) { on_closed(generation, reason); });
  ec = link->connection->start_connect(server(), net::Endpoint{}, [this, generation](auto result) {
    std::lock_guard lock(mutex_);
    if (generation == generation_) {
      connect_result_ = result;
      connect_done_ = true;
      changed_.notify_all();
    }
  });
  if (ec) {
    return nullptr;
  }
  {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kConnectTimeout, [&] { return connect_done_ || stopping_; });
    ec = connect_done_ ? connect_result_
                       : std::make_error_code(stopping_ ? std::errc::operation_canceled
                                                        : std::errc::timed_out);
  }
  return ec ? nullptr : std::move(link);  // (a failed one closes as it is destroyed here)
}

void ConsoleClient::install(std::unique_ptr<Link> link) {
  std::lock_guard lock(link_mutex_);
  link_ = std::move(link);
}

// Takes the current Link away from the senders and destroys it (closing it if open).
void ConsoleClient::drop_link() {
  std::unique_ptr<Link> old;
  {
    std::lock_guard lock(link_mutex_);
    old = std::move(link_);
    usable_ = false;
  }
}

bool ConsoleClient::send(const proto::Envelope& env) {
  std::lock_guard lock(link_mutex_);
  return link_ && link_->connection->send(env);
}

void ConsoleClient::stop_reconnecting() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (reconnector_.joinable()) {
    reconnector_.join();
  }
}

// Reconnect thread: waits for a loss, then reconnects; ends when the client stops or gives up.
// A loss of a Link that resumed and then carried something is a new outage: the backoff starts
// again from kFirst, with every attempt. A Link that was lost before it carried anything after
// its Welcome (a server that accepts and drops at once) only counts as one more failed attempt,
// so such a server is given up on like one that refuses.
void ConsoleClient::reconnect_loop() {
  ReconnectBackoff backoff;
  for (;;) {
    std::string reason;
    bool held = false;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || phase_ == Phase::lost; });
      if (stopping_) {
        return;
      }
      reason = close_reason_;
      held = carried_after_welcome_;
    }
    if (held) {
      backoff.reset();
    } else if (out_of_attempts(backoff)) {
      drop_link();
      // Lost before carrying anything: what was typed since the reconnect is said, as at any
      // loss, before the give-up.
      for (const std::string& line : session_.connection_lost(false)) {
        console_.print(line);
      }
      give_up(fmt::format("{}; gave up after {}", reason, count_of(backoff.attempts(), "attempt")));
      return;
    }
    if (!recover(reason, backoff)) {
      return;
    }
  }
}

// Reconnect thread: after a loss, attempts with backoff until one resumes the session (true)
// or the client stops or gives up (false).
bool ConsoleClient::recover(const std::string& reason, ReconnectBackoff& backoff) {
  drop_link();
  set_reconnecting(true);
  std::chrono::milliseconds delay = backoff.next();
  console_.print(connection_lost_line(reason, delay));
  for (const std::string& line : session_.connection_lost(true)) {
    console_.print(line);
  }
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (changed_.wait_for(lock, delay, [&] { return stopping_; })) {
        return false;
      }
    }
    std::string why;
    switch (attempt(why)) {
      case Attempt::resumed:
        return true;  // reconnect_loop() resets the backoff once the Link has carried something
      case Attempt::stopped:
        return false;
      case Attempt::final_failure:
        give_up(why);
        return false;
      case Attempt::failed:
        break;
    }
    if (out_of_attempts(backoff)) {
      give_up(fmt::format("{}; gave up after {}", why, count_of(backoff.attempts(), "attempt")));
      return false;
    }
    delay = backoff.next();
    console_.print(
        fmt::format("! reconnect failed: {}; trying again in {}...", why, seconds_text(delay)));
  }
}

// Reconnect thread: one attempt to connect, join as before and resume every room.
ConsoleClient::Attempt ConsoleClient::attempt(std::string& why) {
  std::error_code ec;
  auto link = open_link(ec);
  if (!link) {
    why = ec.message();
    return stopping() ? Attempt::stopped : Attempt::failed;
  }
  install(std::move(link));
  send(session_.join_request(session_.nickname(), true));
  {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kJoinTimeout, [&] {
      return stopping_ || link_closed_ ||
             session_.join_state() != ConsoleSession::JoinState::pending;
    });
    if (stopping_) {
      return Attempt::stopped;  // finish() drops the Link
    }
    why = link_closed_ ? close_reason_ : "no answer to the Join";
  }
  const auto state = session_.join_state();
  if (state == ConsoleSession::JoinState::joined) {
    set_reconnecting(false);
    go_live(true);
    return Attempt::resumed;
  }
  drop_link();
  if (state == ConsoleSession::JoinState::refused) {
    const proto::ErrorCode code = session_.join_error();
    why = "join refused: " + proto::ErrorCode_Name(code);
    if (code == proto::NICKNAME_TAKEN) {
      // Most likely our old connection, which the server has not yet found dead.
      why = fmt::format("nickname {} is still taken", session_.nickname());
      return Attempt::failed;
    }
    if (code == proto::LOGIN_THROTTLED) {
      why = "login throttled by the server";
      return Attempt::failed;  // it passes with time
    }
    return Attempt::final_failure;
  }
  return session_.may_reconnect() ? Attempt::failed : Attempt::final_failure;
}

bool ConsoleClient::out_of_attempts(const ReconnectBackoff& backoff) const {
  return flags_.reconnect_attempts != 0 && backoff.attempts() >= flags_.reconnect_attempts;
}

// Reconnect thread: the end, as a loss without reconnecting would have been.
void ConsoleClient::give_up(const std::string& why) {
  console_.print("! disconnected: " + why);
  for (const std::string& line : session_.give_up()) {
    console_.print(line);
  }
  {
    std::lock_guard lock(mutex_);
    phase_ = Phase::ended;
    closed_by_server_ = true;
  }
  end_input();  // end the input loop
}

bool ConsoleClient::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

}  // namespace chat::client
