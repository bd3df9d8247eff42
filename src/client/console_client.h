// Public header. The console client as a whole: wires the console (typed lines, ordered output),
// the chat state (ConsoleSession) and the connection together, and replaces a lost connection
// with a new one (backoff: ReconnectBackoff; what to resume: ConsoleSession). chat_client's
// main() only parses the command line and runs one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "chat_connection.h"
#include "command_parser.h"
#include "console_session.h"
#include "ordered_console.h"
#include "reconnect_backoff.h"
#include "server_watchdog.h"

namespace chat::client {

// Exit codes, as documented in README.md.
constexpr int kExitOk = 0;
constexpr int kExitCannotConnect = 1;
constexpr int kExitUsage = 2;
constexpr int kExitJoinRefused = 3;
constexpr int kExitDisconnected = 4;

// What chat_client's command line sets.
struct ConsoleClientFlags {
  std::string host = "127.0.0.1";
  std::uint16_t port = 15410;
  std::string nick;
  std::string password;  // empty: join as a guest (asked for on a terminal when needed)
  std::chrono::milliseconds ack_wait{5000};
  bool reconnect = true;             // --no-reconnect: a lost connection ends the client
  unsigned reconnect_attempts = 10;  // in a row, before giving up; 0: until the user ends it
  std::chrono::milliseconds wait_for_server{0};  // keep trying the first connection this long
};

// Where the client reads and writes: the process's terminal in chat_client, fakes in tests.
struct ConsoleClientIo {
  OrderedConsole::Options console = OrderedConsole::for_stdio("> ");
  // Makes the console's current and later reads end (end of input): called when the connection
  // ends for good, so that run() returns. Thread-safe. Empty: terminal::interrupt_stdin_reads.
  std::function<void()> end_input;
  // Set (from any thread) when the user interrupted (Ctrl+C): the goodbye says so, and the wait
  // for the server stops. Null: never.
  const std::atomic<bool>* interrupted = nullptr;
  // Colour by line_style() (chat_client: on a terminal, unless --no-color or NO_COLOR).
  bool colour = false;
  // Each message's time in front of it (chat_client: on a terminal).
  bool show_times = false;
};

// Threads: the thread calling run() is the input thread; network threads run on_envelope() and
// on_closed(); the reconnect thread runs reconnect_loop(). A Link is created and destroyed only
// by the input thread (before the reconnect thread starts, and after it ended) or by the
// reconnect thread, never with mutex_ held (its destructor waits for callbacks that take it).
// Lock order: link_mutex_, then mutex_, then prompt_mutex_, then the session's own, then the
// console's.
class ConsoleClient {
 public:
  // Thread contract: construct, run() and destroy on one thread.
  ConsoleClient(const ConsoleClientFlags& flags, ConsoleClientIo io = {});
  ~ConsoleClient();
  ConsoleClient(const ConsoleClient&) = delete;
  ConsoleClient& operator=(const ConsoleClient&) = delete;

  // Connects, joins, then sends what the user types until the input ends, /quit, or the
  // connection ends for good. Returns the exit code (kExit...). Call once.
  int run();

 private:
  enum class Phase {
    down,  // connecting or joining: the thread doing it watches link_closed_
    up,    // chat flows; a close is a loss
    lost,  // was up, closed: the reconnect thread takes over
    ended  // no connection any more, and none to come
  };
  enum class Attempt { resumed, failed, final_failure, stopped };
  // One connection and its watchdog; the watchdog is declared last so it stops first.
  struct Link {
    std::unique_ptr<ChatConnection> connection;
    std::unique_ptr<ServerWatchdog> watchdog;
  };

  net::Endpoint server() const { return {flags_.host, flags_.port}; }
  bool interrupted() const { return io_.interrupted != nullptr && io_.interrupted->load(); }
  void end_input();

  // ---- console_client.cpp: the input thread, and what the network threads report
  std::unique_ptr<Link> connect_first(std::error_code& ec);
  int join();
  bool ask_account_secrets(Command& cmd);
  bool send_command(const Command& cmd, const std::string& typed);
  // Alt+`digit` (0: the tenth room): switches to that room. Input thread, inside read_line().
  void switch_by_key(int digit);
  void show_prompt();
  void set_reconnecting(bool reconnecting);
  int finish(bool quit_asked);
  void go_live(bool resumed = false);
  bool take_loss_locked();
  void report_end(const std::string& reason);
  void on_envelope(std::uint64_t generation, const proto::Envelope& env);
  void on_closed(std::uint64_t generation, const std::string& reason);
  bool closed_by_server();
  void expect_close();

  // ---- console_client_link.cpp: connections, and replacing a lost one
  std::unique_ptr<Link> open_link(std::error_code& ec);
  void install(std::unique_ptr<Link> link);
  void drop_link();
  bool send(const proto::Envelope& env);
  void stop_reconnecting();
  void reconnect_loop();
  bool recover(const std::string& reason, ReconnectBackoff& backoff);
  Attempt attempt(std::string& why);
  void give_up(const std::string& why);
  // True when --reconnect-attempts (0: no limit) have all been made.
  bool out_of_attempts(const ReconnectBackoff& backoff) const;
  bool stopping();

  const ConsoleClientFlags flags_;
  const ConsoleClientIo io_;
  const bool interactive_;  // a person types: a refused name may be tried again
  ConsoleSession session_;  // before console_, whose printer thread styles lines by our nickname
  OrderedConsole console_;
  std::mutex mutex_;
  std::condition_variable changed_;
  Phase phase_ = Phase::down;
  std::uint64_t generation_ = 0;  // of the current Link
  bool connect_done_ = false;     // the current Link's connect completed, with connect_result_
  std::error_code connect_result_;
  bool link_closed_ = false;  // the current Link closed, for close_reason_
  // The current Link carried something after its Welcome (the answer to a resume's requests, a
  // message...): a server that welcomes and drops at once never gets it set.
  bool carried_after_welcome_ = false;
  std::string close_reason_;
  bool closing_by_us_ = false;
  bool stopping_ = false;          // the input ended: no more reconnecting
  bool closed_by_server_ = false;  // the connection ended without our asking (exit code 4)
  std::chrono::milliseconds server_heartbeat_interval_{0};  // from the Welcome; 0: none
  std::chrono::milliseconds server_heartbeat_timeout_{0};
  ClientNetwork network_;
  std::mutex link_mutex_;
  std::unique_ptr<Link> link_;  // closed before what its callbacks use
  bool usable_ = false;         // under link_mutex_: joined, the user's lines may go out
  bool quit_sent_ = false;      // the input thread's: a Quit went out (not only asked for)
  // Held while the prompt is built and set (show_prompt()), by any thread; guards reconnecting_.
  std::mutex prompt_mutex_;
  bool reconnecting_ = false;  // the prompt says "(reconnecting)"
  std::thread reconnector_;    // joined by finish() or the destructor, before the rest goes
};

}  // namespace chat::client
