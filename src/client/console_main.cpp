// chat_client: the console client. Wires the console (typed lines, ordered output), the chat
// state (ConsoleSession) and the connection together, and replaces a lost connection with a new
// one (backoff: ReconnectBackoff; what to resume: ConsoleSession).
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "chat_connection.h"
#include "command_line.h"
#include "command_parser.h"
#include "console_session.h"
#include "net/shutdown_signal.h"
#include "net/thread_name.h"
#include "net/wire/duration_flag.h"
#include "ordered_console.h"
#include "reconnect_backoff.h"
#include "server_watchdog.h"

#ifndef CHAT_BUILD_COMMIT  // a build without CMake (Visual Studio's solution)
#define CHAT_BUILD_COMMIT "not recorded"
#define CHAT_CLIENT_VERSION "(Visual Studio build)"
#endif

namespace chat::client {
namespace {

using namespace std::chrono_literals;

// Exit codes, as documented in README.md.
constexpr int kExitOk = 0;
constexpr int kExitCannotConnect = 1;
constexpr int kExitUsage = 2;
constexpr int kExitJoinRefused = 3;
constexpr int kExitDisconnected = 4;

struct Flags {
  std::string host = "127.0.0.1";
  std::uint16_t port = 15410;
  std::string nick;
  std::string password;  // empty: join as a guest (asked for on a terminal when needed)
  std::chrono::milliseconds ack_wait{5000};
  bool reconnect = true;             // --no-reconnect: a lost connection ends the client
  unsigned reconnect_attempts = 10;  // in a row, before giving up; 0: until the user ends it
  std::chrono::milliseconds wait_for_server{0};  // keep trying the first connection this long
};

std::atomic<bool> g_interrupted{false};

// A connection lasting this long was not part of a crash loop: the next loss starts the backoff
// afresh. A server that dies again soon after each reconnect uses up the attempts instead.
constexpr auto kStableFor = 30s;
constexpr auto kConnectTimeout = 5s;
constexpr auto kJoinTimeout = 10s;
// --wait-for-server: the pause between attempts at the first connection.
constexpr auto kServerWaitRetry = 250ms;

std::string seconds(std::chrono::milliseconds d) {
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}

// One connection and its watchdog; the watchdog is declared last so it stops first.
struct Link {
  std::unique_ptr<ChatConnection> connection;
  std::unique_ptr<ServerWatchdog> watchdog;
};

// Threads: the main thread runs run() (the input loop); network threads run on_envelope() and
// on_closed(); the reconnect thread runs reconnect_loop(). A Link is created and destroyed only
// by the main thread (before the reconnect thread starts, and after it ended) or by the
// reconnect thread, never with mutex_ held (its destructor waits for callbacks that take it).
// Lock order: link_mutex_, then mutex_, then the session's own.
class ConsoleClient {
 public:
  explicit ConsoleClient(const Flags& flags)
      : flags_(flags), console_(OrderedConsole::for_stdio("> ")), network_(1, 4) {
    session_.set_password(flags_.password);
  }

  ~ConsoleClient() {
    stop_reconnecting();
    drop_link();
  }

  int run() {
    std::error_code ec;
    auto link = open_link(ec);
    if (!link && flags_.wait_for_server.count() > 0) {
      // A server started at the same moment (Visual Studio's launch profile, a demo script)
      // may not be listening yet.
      console_.print("! waiting for " + server().to_string() + " (up to " +
                     chat::wire::format_duration(flags_.wait_for_server) + ")");
      const auto deadline = std::chrono::steady_clock::now() + flags_.wait_for_server;
      while (!link && !g_interrupted && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(kServerWaitRetry);
        link = open_link(ec);
      }
    }
    if (!link) {
      console_.print("! cannot connect to " + server().to_string() + ": " + ec.message());
      return kExitCannotConnect;
    }
    install(std::move(link));
    if (const int code = join(); code != kExitOk) {
      expect_close();
      return code;
    }
    console_.set_prompt(session_.prompt());
    go_live();
    if (flags_.reconnect) {
      reconnector_ = chat::net::start_named_thread("client-reconn", [this] { reconnect_loop(); });
    }
    bool quit_sent = false;
    while (auto line = console_.read_line()) {
      Command cmd = parse_command(*line);
      if (!ask_account_secrets(cmd)) {
        continue;
      }
      if (send_command(cmd)) {
        quit_sent = true;
        break;
      }
    }
    return finish(quit_sent);
  }

 private:
  enum class Phase {
    down,  // connecting or joining: the thread doing it watches link_closed_
    up,    // chat flows; a close is a loss
    lost,  // was up, closed: the reconnect thread takes over
    ended  // no connection any more, and none to come
  };
  enum class Attempt { resumed, failed, final_failure, stopped };

  net::Endpoint server() const { return {flags_.host, flags_.port}; }

  // Main thread: the first Join, asking again for a nickname while a person is typing.
  int join() {
    std::string nick = flags_.nick;
    for (;;) {
      if (nick.empty()) {
        console_.set_prompt("nickname: ");
        const auto line = console_.read_line();
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
      if (link_closed_) {
        const std::string reason = close_reason_;
        lock.unlock();
        console_.print("! disconnected: " + reason);
        return kExitDisconnected;
      }
      if (!OrderedConsole::for_stdio("").interactive) {
        return kExitJoinRefused;  // a script cannot pick another name
      }
      const proto::ErrorCode code = session_.join_error();
      if (code == proto::NICKNAME_REGISTERED || code == proto::LOGIN_FAILED ||
          code == proto::LOGIN_THROTTLED) {
        // The same nickname again, with its password (or, left empty, as a guest).
        console_.set_prompt("password for " + nick + " (empty: join as a guest): ");
        const auto password = console_.read_secret_line();
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

  // Connects a new Link, blocking up to kConnectTimeout; nullptr (and `ec`) when that fails or
  // the client is stopping. Its callbacks carry a new generation: those of older Links are
  // ignored from now on.
  std::unique_ptr<Link> open_link(std::error_code& ec) {
    std::uint64_t generation = 0;
    {
      std::lock_guard lock(mutex_);
      generation = ++generation_;
      link_closed_ = false;
      close_reason_.clear();
      connect_done_ = false;
    }
    auto link = std::make_unique<Link>();
    link->connection = std::make_unique<ChatConnection>(
        network_, [this, generation](const proto::Envelope& env) { on_envelope(generation, env); },
        [this, generation](const std::string& reason) { on_closed(generation, reason); });
    ec =
        link->connection->start_connect(server(), net::Endpoint{}, [this, generation](auto result) {
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

  void install(std::unique_ptr<Link> link) {
    std::lock_guard lock(link_mutex_);
    link_ = std::move(link);
  }

  // Takes the current Link away from the senders and destroys it (closing it if open).
  void drop_link() {
    std::unique_ptr<Link> old;
    {
      std::lock_guard lock(link_mutex_);
      old = std::move(link_);
      usable_ = false;
    }
  }

  bool send(const proto::Envelope& env) {
    std::lock_guard lock(link_mutex_);
    return link_ && link_->connection->send(env);
  }

  // Joined: start watching the server, let the user's lines through, and count a close as a
  // loss from now on. A close that came first is a loss too.
  void go_live() {
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
    {
      std::lock_guard lock(link_mutex_);
      link_->watchdog = std::make_unique<ServerWatchdog>(*link_->connection, interval, timeout);
      usable_ = true;
    }
    std::string reason;
    {
      std::lock_guard lock(mutex_);
      up_since_ = std::chrono::steady_clock::now();
      phase_ = Phase::up;
      if (!link_closed_) {
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
  bool take_loss_locked() {
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
  void report_end(const std::string& reason) {
    console_.print("! disconnected: " + reason);
    for (const std::string& line : session_.connection_lost(false)) {
      console_.print(line);
    }
    terminal::interrupt_stdin_reads();  // end the input loop
  }

  // Main thread. Sends what the command asks for; true when the input loop should end (/quit).
  // Main thread. /passwd and /delete-account: asks for what they need, the passwords masked as
  // the login prompt does, then restores the prompt. False when the user gave up (or the input
  // ended, or the new passwords differ): nothing is sent.
  bool ask_account_secrets(Command& cmd) {
    using Kind = Command::Kind;
    if (cmd.kind != Kind::change_password && cmd.kind != Kind::delete_account) {
      return true;
    }
    const auto ask = [&](const std::string& prompt, bool secret) {
      console_.set_prompt(prompt);
      return secret ? console_.read_secret_line() : console_.read_line();
    };
    bool ok = false;
    if (cmd.kind == Kind::change_password) {
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
      const auto confirm = ask(
          "delete the account " + session_.nickname() + " for good? type yes to go on: ", false);
      if (!confirm || *confirm != "yes") {
        console_.print("! not deleted");
      } else if (const auto password = ask("password: ", true)) {
        cmd.secret = *password;
        ok = true;
      }
    }
    console_.set_prompt(session_.prompt());
    return ok;
  }

  bool send_command(const Command& cmd) {
    using Kind = Command::Kind;
    if (cmd.kind == Kind::empty || cmd.kind == Kind::help || cmd.kind == Kind::invalid) {
      for (const std::string& line : session_.command(cmd).lines) {
        console_.print(line);
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
    for (const proto::Envelope& env : out.to_send) {
      if (!link_->connection->send(env)) {
        console_.print("! not connected");
      }
    }
    return out.quit;
  }

  // Main thread, after the input ended or /quit: no more reconnecting; if connected, let
  // outstanding messages be acknowledged, say goodbye, close.
  int finish(bool quit_sent) {
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
      return quit_sent && !by_server ? kExitOk : kExitDisconnected;
    }
    if (!by_server && !quit_sent) {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, flags_.ack_wait,
                        [&] { return link_closed_ || session_.unacknowledged() == 0; });
      lock.unlock();
      send_command(Command{Command::Kind::quit, {}, g_interrupted ? "interrupted" : "", {}});
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

  void stop_reconnecting() {
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
  void reconnect_loop() {
    ReconnectBackoff backoff;
    for (;;) {
      std::string reason;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || phase_ == Phase::lost; });
        if (stopping_) {
          return;
        }
        reason = close_reason_;
        if (std::chrono::steady_clock::now() - up_since_ >= kStableFor) {
          backoff.reset();
        }
      }
      if (!recover(reason, backoff)) {
        return;
      }
    }
  }

  // Reconnect thread: after a loss, attempts with backoff until one resumes the session (true)
  // or the client stops or gives up (false).
  bool recover(const std::string& reason, ReconnectBackoff& backoff) {
    drop_link();
    console_.set_prompt("(reconnecting) " + session_.prompt());
    std::chrono::milliseconds delay = backoff.next();
    console_.print(
        fmt::format("! connection lost: {}; reconnecting in {}...", reason, seconds(delay)));
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
          return true;
        case Attempt::stopped:
          return false;
        case Attempt::final_failure:
          give_up(why);
          return false;
        case Attempt::failed:
          break;
      }
      if (flags_.reconnect_attempts != 0 && backoff.attempts() >= flags_.reconnect_attempts) {
        give_up(fmt::format("{}; gave up after {} attempts", why, backoff.attempts()));
        return false;
      }
      delay = backoff.next();
      console_.print(
          fmt::format("! reconnect failed: {}; trying again in {}...", why, seconds(delay)));
    }
  }

  // Reconnect thread: one attempt to connect, join as before and resume every room.
  Attempt attempt(std::string& why) {
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
      console_.print("! reconnected");
      for (const proto::Envelope& env : session_.resume_requests()) {
        send(env);
      }
      console_.set_prompt(session_.prompt());
      go_live();
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

  // Reconnect thread: the end, as a loss without reconnecting would have been.
  void give_up(const std::string& why) {
    console_.print("! disconnected: " + why);
    for (const std::string& line : session_.give_up()) {
      console_.print(line);
    }
    {
      std::lock_guard lock(mutex_);
      phase_ = Phase::ended;
      closed_by_server_ = true;
    }
    terminal::interrupt_stdin_reads();  // end the input loop
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  // Network thread.
  void on_envelope(std::uint64_t generation, const proto::Envelope& env) {
    {
      std::lock_guard lock(mutex_);
      if (generation != generation_) {
        return;  // from a Link already replaced
      }
      if (env.has_welcome()) {
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
      console_.set_prompt(session_.prompt());
    }
    std::lock_guard lock(mutex_);
    changed_.notify_all();
  }

  // Network thread.
  void on_closed(std::uint64_t generation, const std::string& reason) {
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

  bool closed_by_server() {
    std::lock_guard lock(mutex_);
    return closed_by_server_;
  }

  // From here on, a close is the goodbye we asked for, not a disconnect.
  void expect_close() {
    std::lock_guard lock(mutex_);
    closing_by_us_ = true;
  }

  const Flags flags_;
  OrderedConsole console_;
  ConsoleSession session_;
  std::mutex mutex_;
  std::condition_variable changed_;
  Phase phase_ = Phase::down;
  std::uint64_t generation_ = 0;  // of the current Link
  bool connect_done_ = false;     // the current Link's connect completed, with connect_result_
  std::error_code connect_result_;
  bool link_closed_ = false;  // the current Link closed, for close_reason_
  std::string close_reason_;
  bool closing_by_us_ = false;
  bool stopping_ = false;          // the input ended: no more reconnecting
  bool closed_by_server_ = false;  // the connection ended without our asking (exit code 4)
  std::chrono::steady_clock::time_point up_since_;
  std::chrono::milliseconds server_heartbeat_interval_{0};  // from the Welcome; 0: none
  std::chrono::milliseconds server_heartbeat_timeout_{0};
  ClientNetwork network_;
  std::mutex link_mutex_;
  std::unique_ptr<Link> link_;  // closed before what its callbacks use
  bool usable_ = false;         // under link_mutex_: joined, the user's lines may go out
  std::thread reconnector_;     // joined by finish() or the destructor, before the rest goes
};

}  // namespace
}  // namespace chat::client

int main(int argc, char** argv) {
  using chat::client::Flags;
  Flags flags;
  CLI::App app{"chat_client: console client for chat_server. Type /help once connected.",
               "chat_client"};
  app.add_option("--host", flags.host, "Server address (numeric IPv4/IPv6)")->capture_default_str();
  app.add_option("--port", flags.port, "Server port")->capture_default_str();
  app.add_option("--nick", flags.nick,
                 "Nickname; asked for (or read as the first input line) "
                 "when missing");
  app.add_option("--password", flags.password,
                 "Log in to your registered nickname (/register PASSWORD registers it). Also "
                 "read from CHAT_PASSWORD; on a terminal it is asked for when needed")
      ->envname("CHAT_PASSWORD");
  chat::wire::add_duration_option(
      app, "--ack-wait,--ack-wait-ms", flags.ack_wait, chat::wire::DurationUnit::milliseconds,
      "At end of input, how long to wait for unacknowledged messages", std::chrono::hours(1));
  app.add_flag("!--no-reconnect", flags.reconnect,
               "When the connection is lost, exit (code 4) instead of reconnecting");
  app.add_option("--reconnect-attempts", flags.reconnect_attempts,
                 "Failed reconnect attempts in a row before giving up (exit code 4); "
                 "0: keep trying until the input ends")
      ->capture_default_str();
  chat::wire::add_duration_option(app, "--wait-for-server", flags.wait_for_server,
                                  chat::wire::DurationUnit::seconds,
                                  "How long to keep trying the first connection, for a server "
                                  "starting at the same time (0: give up at once, exit code 1)",
                                  std::chrono::hours(1));
  app.set_version_flag("--version", std::string("chat_client ") + CHAT_CLIENT_VERSION +
                                        " (commit " + CHAT_BUILD_COMMIT + ")");
  if (const auto exit_code = chat::client::parse_command_line(app, argc, argv)) {
    return *exit_code;
  }

  chat::net::capture_shutdown_signals();  // Ctrl+C: say goodbye instead of dying mid-line
  chat::net::start_named_thread("client-signals", [] {
    chat::net::wait_for_shutdown_signal();
    chat::client::g_interrupted = true;
    chat::client::terminal::interrupt_stdin_reads();
  }).detach();

  int code = 0;
  {
    chat::client::ConsoleClient client(flags);
    code = client.run();
  }
  std::fflush(stdout);
  chat::net::shutdown_finished();  // closing the window: its handler waits for the goodbye
  return code;
}
