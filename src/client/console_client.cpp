#include "console_client.h"

#include <algorithm>
#include <string_view>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "line_style.h"
#include "net/thread_name.h"
#include "net/wire/duration_text.h"
#include "plural.h"

namespace chat::client {

using namespace std::chrono_literals;

namespace {

// --wait-for-server: the pause between attempts at the first connection.
constexpr auto kServerWaitRetry = 250ms;
// How long the first Join may go unanswered.
constexpr auto kJoinTimeout = 10s;

// A refused Join that leaves the connection open for another (docs/protocol.md, section 5);
// any other refusal (BANNED) is fatal.
bool join_may_be_retried(proto::ErrorCode code) {
  switch (code) {
    case proto::NICKNAME_INVALID:
    case proto::NICKNAME_TAKEN:
    case proto::UNSUPPORTED_VERSION:
    case proto::NICKNAME_REGISTERED:
    case proto::LOGIN_FAILED:
    case proto::LOGIN_THROTTLED:
      return true;
    default:
      return false;
  }
}

// The most the input line holds: four times the longest text the server takes, so that a line
// too long to send is still given back whole to be shortened, and never less than the editor's
// own bound.
std::size_t input_limit(std::size_t max_text_bytes) {
  return std::max<std::size_t>(LineEditor::kDefaultMaxBytes, 4 * max_text_bytes);
}

// The console's options, with colour when asked for: the style of a line needs our nickname.
// Alt+digit switches rooms through `on_alt_digit`.
OrderedConsole::Options console_options(const ConsoleClientIo& io, const ConsoleSession& session,
                                        std::function<void(int)> on_alt_digit) {
  OrderedConsole::Options options = io.console;
  // A line that may carry a password (/register PASSWORD, a mistyped /passwd old new) is never
  // kept for the Up arrow to bring back where anyone at the keyboard later could read it.
  options.keep_in_history = [](std::string_view line) { return !names_account_command(line); };
  options.on_alt_digit = std::move(on_alt_digit);
  if (io.colour) {
    options.style = [&session](std::string_view line) {
      return line_style(line, session.nickname());
    };
  }
  return options;
}

}  // namespace

ConsoleClient::ConsoleClient(const ConsoleClientFlags& flags, ConsoleClientIo io)
    : flags_(flags),
      io_(std::move(io)),
      interactive_(io_.console.interactive),
      console_(console_options(io_, session_, [this](int digit) { switch_by_key(digit); })),
      network_(1, 4) {
  session_.set_password(flags_.password);
  session_.set_show_times(io_.show_times);
}

ConsoleClient::~ConsoleClient() {
  stop_reconnecting();
  drop_link();
}

void ConsoleClient::end_input() {
  if (io_.end_input) {
    io_.end_input();
  } else {
    terminal::interrupt_stdin_reads();
  }
}

int ConsoleClient::run() {
  std::error_code ec;
  auto link = connect_first(ec);
  if (!link) {
    console_.print("! cannot connect to " + server().to_string() + ": " + ec.message());
    return kExitCannotConnect;
  }
  install(std::move(link));
  if (const int code = join(); code != kExitOk) {
    expect_close();
    return code;
  }
  show_prompt();
  go_live();
  if (flags_.reconnect) {
    reconnector_ = chat::net::start_named_thread("client-reconn", [this] { reconnect_loop(); });
  }
  bool quit_asked = false;
  while (auto line = console_.read_line()) {
    Command cmd = parse_command(*line);
    if (!ask_account_secrets(cmd)) {
      continue;
    }
    if (send_command(cmd, *line)) {
      quit_asked = true;
      break;
    }
  }
  return finish(quit_asked);
}

// Input thread: the first connection, tried again for up to --wait-for-server.
std::unique_ptr<ConsoleClient::Link> ConsoleClient::connect_first(std::error_code& ec) {
  auto link = open_link(ec);
  if (!link && flags_.wait_for_server.count() > 0) {
    // A server started at the same moment (Visual Studio's launch profile, a demo script)
    // may not be listening yet.
    console_.print("! waiting for " + server().to_string() + " (up to " +
                   chat::wire::format_duration(flags_.wait_for_server) + ")");
    const auto deadline = std::chrono::steady_clock::now() + flags_.wait_for_server;
    while (!link && !interrupted() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(kServerWaitRetry);
      link = open_link(ec);
    }
  }
  return link;
}

// Input thread: the first Join, asking again for a nickname while a person is typing.
int ConsoleClient::join() {
  std::string nick = flags_.nick;
  for (;;) {
    if (nick.empty()) {
      const auto line = console_.ask("nickname: ");
      if (!line) {
        return kExitUsage;
      }
      nick = *line;
    }
    send(session_.join_request(nick));
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kJoinTimeout, [&] {
      return link_closed_ || session_.join_state() != ConsoleSession::JoinState::pending;
    });
    if (session_.join_state() == ConsoleSession::JoinState::joined) {
      return kExitOk;  // (closed right after the Welcome: go_live() sees to it)
    }
    if (session_.join_state() == ConsoleSession::JoinState::refused &&
        !join_may_be_retried(session_.join_error())) {
      // A ban: its error line said by whom, until when and why; the server closes. Another
      // nickname would not help against an address ban, so end here rather than ask.
      return kExitJoinRefused;
    }
    if (link_closed_) {
      const std::string reason = close_reason_;
      lock.unlock();
      console_.print("! disconnected: " + reason);
      return kExitDisconnected;
    }
    if (!interactive_) {
      return kExitJoinRefused;  // a script cannot pick another name
    }
    const proto::ErrorCode code = session_.join_error();
    if (code == proto::NICKNAME_REGISTERED || code == proto::LOGIN_FAILED ||
        code == proto::LOGIN_THROTTLED) {
      // The same nickname again, with its password (or, left empty, as a guest).
      const auto password =
          console_.ask("password for " + nick + " (empty: join as a guest): ", true);
      if (!password) {
        return kExitUsage;
      }
      session_.set_password(*password);
      continue;
    }
    session_.set_password("");  // a password belongs to the nickname it was given for
    nick.clear();
  }
}

// Joined: start watching the server, let the user's lines through, and count a close as a
// loss from now on. A close that came first is a loss too. After a reconnect (`resumed`), the
// resume requests go out first: a line typed as "! reconnected" shows waits for them instead of
// being refused as "not connected", and cannot reach a room before its rejoin.
void ConsoleClient::go_live(bool resumed) {
  std::chrono::milliseconds interval = 30s;
  std::chrono::milliseconds timeout = 60s;
  {
    std::lock_guard lock(mutex_);
    // The server's own heartbeat timing (from the Welcome), or 30 s / 60 s where it runs none.
    if (server_heartbeat_interval_.count() > 0 && server_heartbeat_timeout_.count() > 0) {
      interval = server_heartbeat_interval_;
      timeout = server_heartbeat_timeout_;
    }
  }
  std::string reason;
  {
    std::lock_guard link_lock(link_mutex_);
    if (resumed) {
      console_.print("! reconnected");
      for (const proto::Envelope& env : session_.resume_requests()) {
        link_->connection->send(env);
      }
    }
    link_->watchdog = std::make_unique<ServerWatchdog>(*link_->connection, interval, timeout);
    // Up before the user's lines may go: the close that follows a /quit is then ours, not a
    // loss (on_closed() leaves a close before this to us).
    std::lock_guard lock(mutex_);
    phase_ = Phase::up;
    if (!link_closed_) {
      usable_ = true;
      changed_.notify_all();
      return;
    }
    reason = close_reason_;
    if (!take_loss_locked()) {
      return;
    }
  }
  report_end(reason);
}

// Under mutex_, once the current Link was up and has closed without our asking: hands it to
// the reconnect thread, or ends the client. True when the caller must then report_end().
bool ConsoleClient::take_loss_locked() {
  if (flags_.reconnect && !stopping_ && session_.may_reconnect()) {
    phase_ = Phase::lost;  // the reconnect thread takes it from here
    changed_.notify_all();
    return false;
  }
  phase_ = Phase::ended;
  closed_by_server_ = true;
  return true;
}

// Without mutex_: the connection ended for good.
void ConsoleClient::report_end(const std::string& reason) {
  console_.print("! disconnected: " + reason);
  for (const std::string& line : session_.connection_lost(false)) {
    console_.print(line);
  }
  end_input();  // end the input loop
}

// Input thread. /register, /passwd and /delete-account: asks for what they need, the passwords
// masked as the login prompt does, then restores the prompt. False when the user gave up (or the
// input ended, or the new passwords differ): nothing is sent.
bool ConsoleClient::ask_account_secrets(Command& cmd) {
  using Kind = Command::Kind;
  const bool bare_register = cmd.kind == Kind::register_nickname && cmd.text.empty();
  if (cmd.kind != Kind::change_password && cmd.kind != Kind::delete_account && !bare_register) {
    return true;
  }
  const auto ask = [&](const std::string& question, bool secret) {
    return console_.ask(question, secret);
  };
  bool ok = false;
  if (bare_register) {
    const auto password = ask("password for " + session_.nickname() + " (8 to 128 bytes): ", true);
    const auto again = password ? ask("the same password again: ", true) : std::nullopt;
    if (again && *again != *password) {
      console_.print("! the passwords differ; not registered");
    } else if (again) {
      cmd.text = *password;
      ok = true;
    }
  } else if (cmd.kind == Kind::change_password) {
    const auto old_password = ask("current password: ", true);
    const auto new_password =
        old_password ? ask("new password (8 to 128 bytes): ", true) : std::nullopt;
    const auto again = new_password ? ask("new password again: ", true) : std::nullopt;
    if (again && *again != *new_password) {
      console_.print("! the new passwords differ; nothing changed");
    } else if (again) {
      cmd.secret = *old_password;
      cmd.text = *new_password;
      ok = true;
    }
  } else {
    const auto confirm =
        ask("delete the account " + session_.nickname() + " for good? type yes to go on: ", false);
    if (!confirm || *confirm != "yes") {
      console_.print("! not deleted");
    } else if (const auto password = ask("password: ", true)) {
      cmd.secret = *password;
      ok = true;
    }
  }
  return ok;
}

// Input thread. Sends what the command asks for; true when the input loop should end (/quit).
bool ConsoleClient::send_command(const Command& cmd, const std::string& typed) {
  using Kind = Command::Kind;
  if (cmd.kind == Kind::empty || cmd.kind == Kind::help || cmd.kind == Kind::invalid ||
      cmd.kind == Kind::switch_room) {
    for (const std::string& line : session_.command(cmd).lines) {
      console_.print(line);
    }
    if (cmd.kind == Kind::switch_room) {
      show_prompt();  // a /switch works while reconnecting too (ConsoleSession keeps the rooms)
    }
    return false;
  }
  std::lock_guard lock(link_mutex_);  // no loss is taken over while the command goes out
  if (!usable_) {
    if (cmd.kind == Kind::quit) {
      return true;  // nobody to say goodbye to
    }
    console_.print("! not connected (reconnecting)");
    return false;
  }
  ConsoleSession::Output out = session_.command(cmd);
  if (out.quit) {
    expect_close();  // before the Quit leaves: the server may close as soon as it reads it
  }
  for (const std::string& line : out.lines) {
    console_.print(line);
  }
  if (out.give_back) {
    if (const std::size_t held = console_.give_back(typed); held != 0) {
      console_.print(fmt::format("! {} pasted after it {} until this line is sent (or emptied)",
                                 count_of(held, "line"), held == 1 ? "waits" : "wait"));
    }
  }
  for (const proto::Envelope& env : out.to_send) {
    if (!link_->connection->send(env)) {
      console_.print("! not connected");
    }
  }
  quit_sent_ = quit_sent_ || out.quit;
  show_prompt();  // a /join switches at once; a /join of ours, locally
  return out.quit;
}

// Input thread (inside read_line): Alt+digit, Alt+1 being the first room joined.
void ConsoleClient::switch_by_key(int digit) {
  {
    std::lock_guard lock(mutex_);
    if (phase_ == Phase::down) {
      return;  // typing a nickname or a password to join: no rooms yet
    }
  }  // (up, or reconnecting: the rooms being rejoined are ours, and may be switched between)
  for (const std::string& line : session_.switch_to_number(digit == 0 ? 10 : digit)) {
    console_.print(line);
  }
  show_prompt();
}

// Any thread: the prompt for the current room, marked while reconnecting. Built and set under
// prompt_mutex_: of two threads that changed what it shows (a message counted unread on the
// network thread, an Alt+digit on the input thread), the one that sets it last also built it
// last, so a prompt built before the other's change cannot stay on the screen.
void ConsoleClient::show_prompt() {
  std::lock_guard lock(prompt_mutex_);
  console_.set_prompt((reconnecting_ ? "(reconnecting) " : "") + session_.prompt());
}

// Any thread: marks the prompt as reconnecting, or not, and shows it.
void ConsoleClient::set_reconnecting(bool reconnecting) {
  {
    std::lock_guard lock(prompt_mutex_);
    reconnecting_ = reconnecting;
  }
  show_prompt();
}

// Input thread, after the input ended or /quit: no more reconnecting; if connected, let
// outstanding messages be acknowledged, say goodbye, close.
int ConsoleClient::finish(bool quit_asked) {
  // Lines pasted after a refused one, still waiting for it: not sent behind a /quit (which may
  // have been typed over the refused line to give up on it all), but not lost unsaid either.
  if (const std::size_t held = console_.drop_held(); held != 0) {
    console_.print(fmt::format("! {} pasted after a refused line {} not sent",
                               count_of(held, "line"), held == 1 ? "was" : "were"));
  }
  expect_close();
  stop_reconnecting();
  bool connected = false;
  bool by_server = false;
  {
    std::lock_guard lock(mutex_);
    connected = phase_ == Phase::up;
    by_server = closed_by_server_;
  }
  if (!connected) {  // lost and not back: nothing to wait for
    for (const std::string& line : session_.give_up()) {
      console_.print(line);
    }
    drop_link();
    console_.flush();
    return quit_asked && !by_server ? kExitOk : kExitDisconnected;
  }
  // A /quit typed while reconnecting sent nothing: the goodbye goes out now that it can.
  if (!by_server && !quit_sent_) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, flags_.ack_wait,
                      [&] { return link_closed_ || session_.unacknowledged() == 0; });
    lock.unlock();
    send_command(Command{Command::Kind::quit, {}, interrupted() ? "interrupted" : "", {}}, "");
  }
  ChatConnection& connection = *link_->connection;  // ours alone now: no reconnect thread
  connection.finish_sending();
  if (!connection.wait_closed(3s)) {
    connection.close();
    connection.wait_closed(3s);
  }
  console_.flush();
  return closed_by_server() ? kExitDisconnected : kExitOk;
}

// Network thread.
void ConsoleClient::on_envelope(std::uint64_t generation, const proto::Envelope& env) {
  {
    std::lock_guard lock(mutex_);
    if (generation != generation_) {
      return;  // from a Link already replaced
    }
    if (!env.has_welcome() && session_.join_state() == ConsoleSession::JoinState::joined) {
      carried_after_welcome_ = true;
    }
    if (env.has_welcome()) {
      console_.set_input_limit(input_limit(env.welcome().limits().max_text_bytes()));
      server_heartbeat_interval_ =
          std::chrono::milliseconds(env.welcome().limits().heartbeat_interval_ms());
      server_heartbeat_timeout_ =
          std::chrono::milliseconds(env.welcome().limits().heartbeat_timeout_ms());
    }
  }
  for (const std::string& line : session_.receive(env)) {
    console_.print(line);
  }
  if (session_.join_state() == ConsoleSession::JoinState::joined) {
    show_prompt();
  }
  std::lock_guard lock(mutex_);
  changed_.notify_all();
}

// Network thread.
void ConsoleClient::on_closed(std::uint64_t generation, const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (generation != generation_) {
      return;
    }
    link_closed_ = true;
    close_reason_ = reason;
    changed_.notify_all();
    if (phase_ != Phase::up || closing_by_us_) {
      return;  // not live yet (the thread making it live sees to it), or our own goodbye
    }
    if (!take_loss_locked()) {
      return;
    }
  }
  report_end(reason);
}

bool ConsoleClient::closed_by_server() {
  std::lock_guard lock(mutex_);
  return closed_by_server_;
}

// From here on, a close is the goodbye we asked for, not a disconnect.
void ConsoleClient::expect_close() {
  std::lock_guard lock(mutex_);
  closing_by_us_ = true;
}

}  // namespace chat::client
