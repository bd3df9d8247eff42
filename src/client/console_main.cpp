// chat_client: the console client. Wires the console (typed lines, ordered output), the chat
// state (ConsoleSession) and one ChatConnection together; all the logic lives in those.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>

#include "chat_connection.h"
#include "command_line.h"
#include "command_parser.h"
#include "console_session.h"
#include "net/shutdown_signal.h"
#include "ordered_console.h"
#include "server_watchdog.h"

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
  unsigned ack_wait_ms = 5000;
};

std::atomic<bool> g_interrupted{false};

class ConsoleClient {
 public:
  explicit ConsoleClient(const Flags& flags)
      : flags_(flags),
        console_(OrderedConsole::for_stdio("> ")),
        network_(1, 4),
        connection_(
            network_, [this](const proto::Envelope& env) { on_envelope(env); },
            [this](const std::string& reason) { on_closed(reason); }) {}

  int run() {
    const net::Endpoint server{flags_.host, flags_.port};
    if (const auto ec = connection_.connect(server, 5s)) {
      console_.print("! cannot connect to " + server.to_string() + ": " + ec.message());
      return kExitCannotConnect;
    }
    {
      std::lock_guard lock(mutex_);
      connected_ = true;
    }
    if (const int code = join(); code != kExitOk) {
      expect_close();
      return code;
    }
    console_.set_prompt(session_.prompt());
    start_watchdog();
    bool quit_sent = false;
    while (auto line = console_.read_line()) {
      if (send_command(parse_command(*line))) {
        quit_sent = true;
        break;
      }
    }
    return finish(quit_sent);
  }

 private:
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
      connection_.send(session_.join_request(nick));
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, 10s, [&] {
        return closed_ || session_.join_state() != ConsoleSession::JoinState::pending;
      });
      if (closed_) {
        return kExitDisconnected;
      }
      if (session_.join_state() == ConsoleSession::JoinState::joined) {
        return kExitOk;
      }
      if (!OrderedConsole::for_stdio("").interactive) {
        return kExitJoinRefused;  // a script cannot pick another name
      }
      nick.clear();
    }
  }

  // Watches for a server that went away silently, on the server's own heartbeat timing (from
  // the Welcome), or on 30 s / 60 s where the server runs none.
  void start_watchdog() {
    std::chrono::milliseconds interval = 30s;
    std::chrono::milliseconds timeout = 60s;
    {
      std::lock_guard lock(mutex_);
      if (server_heartbeat_interval_.count() > 0 && server_heartbeat_timeout_.count() > 0) {
        interval = server_heartbeat_interval_;
        timeout = server_heartbeat_timeout_;
      }
    }
    watchdog_ = std::make_unique<ServerWatchdog>(connection_, interval, timeout);
  }

  // Sends what the command asks for; true when it was /quit.
  bool send_command(const Command& cmd) {
    ConsoleSession::Output out = session_.command(cmd);
    if (out.quit) {
      expect_close();  // before the Quit leaves: the server may close as soon as it reads it
    }
    for (const std::string& line : out.lines) {
      console_.print(line);
    }
    for (const proto::Envelope& env : out.to_send) {
      if (!connection_.send(env)) {
        console_.print("! not connected");
      }
    }
    return out.quit;
  }

  // After the input ended: let outstanding messages be acknowledged, say goodbye, close.
  int finish(bool quit_sent) {
    expect_close();
    const bool by_server = closed_by_server();
    if (!by_server && !quit_sent) {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::milliseconds(flags_.ack_wait_ms),
                        [&] { return closed_ || session_.unacknowledged() == 0; });
      lock.unlock();
      send_command(Command{Command::Kind::quit, {}, g_interrupted ? "interrupted" : ""});
    }
    connection_.finish_sending();
    if (!connection_.wait_closed(3s)) {
      connection_.close();
      connection_.wait_closed(3s);
    }
    console_.flush();
    return by_server ? kExitDisconnected : kExitOk;
  }

  void on_envelope(const proto::Envelope& env) {
    if (env.has_welcome()) {
      std::lock_guard lock(mutex_);
      server_heartbeat_interval_ =
          std::chrono::milliseconds(env.welcome().limits().heartbeat_interval_ms());
      server_heartbeat_timeout_ =
          std::chrono::milliseconds(env.welcome().limits().heartbeat_timeout_ms());
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

  void on_closed(const std::string& reason) {
    {
      std::lock_guard lock(mutex_);
      const bool expected = closing_by_us_ || !connected_;
      closed_ = true;
      closed_by_server_ = !expected;
      changed_.notify_all();
      if (expected) {
        return;  // a failed connect or our own goodbye: nothing to report
      }
    }
    console_.print("! disconnected: " + reason);
    terminal::interrupt_stdin_reads();  // end the input loop
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
  bool connected_ = false;
  bool closed_ = false;
  bool closing_by_us_ = false;
  bool closed_by_server_ = false;  // the connection ended without our asking (exit code 4)
  std::chrono::milliseconds server_heartbeat_interval_{0};  // from the Welcome; 0: none
  std::chrono::milliseconds server_heartbeat_timeout_{0};
  ClientNetwork network_;
  ChatConnection connection_;                 // closed before what its callbacks use
  std::unique_ptr<ServerWatchdog> watchdog_;  // last: stops before the connection it watches
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
  app.add_option("--ack-wait-ms", flags.ack_wait_ms,
                 "At end of input, how long to wait for unacknowledged messages")
      ->capture_default_str();
  if (const auto exit_code = chat::client::parse_command_line(app, argc, argv)) {
    return *exit_code;
  }

  chat::net::capture_shutdown_signals();  // Ctrl+C: say goodbye instead of dying mid-line
  std::thread([] {
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
  return code;
}
