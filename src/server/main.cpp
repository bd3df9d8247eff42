// chat_server: flags, signals, the console, start, wait, shut down. Everything else is in
// chat_server_core.
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>

#include "chat_server.h"
#include "log.h"
#include "net/console_input.h"
#include "net/io_service.h"
#include "net/shutdown_signal.h"
#include "net/thread_name.h"
#include "net/wire/duration_flag.h"
#include "server_console.h"

namespace {

// Why the server should stop: a signal, or an operator's /shutdown.
class StopRequest {
 public:
  void request(std::string why, std::string reason) {
    {
      std::lock_guard lock(mutex_);
      if (requested_) {
        return;
      }
      requested_ = true;
      why_ = std::move(why);
      reason_ = std::move(reason);
    }
    changed_.notify_all();
  }
  // Blocks until request(); returns {why, reason}.
  std::pair<std::string, std::string> wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return requested_; });
    return {why_, reason_};
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool requested_ = false;
  std::string why_;
  std::string reason_;
};

// Never destroyed: the detached signal thread may still be inside request() (its notify) when
// main returns, and a static's destructor would race it at exit.
StopRequest& g_stop = *new StopRequest;
bool g_console = true;

chat::server::ServerConfig parse_flags(int argc, char** argv, CLI::App& app) {
  chat::server::ServerConfig cfg;
  unsigned port = 0;
  std::string level = "info";
  std::string auth_priority = "low";

  app.add_option("--host", cfg.host, "Address to listen on (numeric IPv4/IPv6)")
      ->capture_default_str();
  auto* port_opt = app.add_option("--port", port,
                                  "TCP port; 0 picks an ephemeral port. Default: the first free "
                                  "port in 15410-33333")
                       ->check(CLI::Range(0, 65535));
  app.add_option("--workers", cfg.workers,
                 "Worker threads; 0 = one per hardware thread but one (at least one)")
      ->capture_default_str();
  app.add_option("--max-clients", cfg.max_clients,
                 "Connections served at once; the next one gets Error(SERVER_FULL). Fewer where "
                 "the open-file limit (ulimit -n) cannot hold that many: the server says so")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  app.add_option("--posted-accepts", cfg.posted_accepts,
                 "Windows (IOCP): AcceptEx calls kept posted, so bursts of connects are taken "
                 "at once; unused on Linux")
      ->check(CLI::Range(1u, 4096u))
      ->capture_default_str();
  std::vector<std::string> backends{"auto"};
  for (const auto& name : chat::net::io_backend_names()) {
    backends.push_back(name);
  }
  app.add_option("--io-backend", cfg.io_backend,
                 "I/O backend: auto (the platform's default: " +
                     chat::net::io_backend_names().front() + "), or one of those listed")
      ->check(CLI::IsMember(backends))
      ->capture_default_str();
  app.add_option("--flood-burst", cfg.flood_burst,
                 "Flood control: requests a client may send at once before the rate applies")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  app.add_option("--flood-rate", cfg.flood_rate,
                 "Flood control: requests per second a client may keep sending; over it they get "
                 "Error(RATE_LIMITED). 0 = off (load tests)")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--whisper-bytes-per-s", cfg.whisper_bytes_per_s,
                 "Whispers one user receives from everyone together, in bytes a second (a burst "
                 "of two seconds' worth); over it the sender gets Error(RATE_LIMITED). 0 = off")
      ->check(CLI::Range(0u, 1000000000u))
      ->capture_default_str();
  using chat::wire::add_duration_option;
  using chat::wire::DurationUnit;
  add_duration_option(app, "--handshake-timeout", cfg.handshake_timeout, DurationUnit::seconds,
                      "How long a connection has to Join; then Error(HANDSHAKE_TIMEOUT) and a "
                      "close. 0 = no limit");
  add_duration_option(app, "--heartbeat-interval", cfg.heartbeat_interval, DurationUnit::seconds,
                      "Silence from a client before the server Pings it. 0 = no heartbeat");
  add_duration_option(app, "--heartbeat-timeout", cfg.heartbeat_timeout, DurationUnit::seconds,
                      "Silence after which a client is dropped (Error(HEARTBEAT_TIMEOUT)); more "
                      "than --heartbeat-interval. 0 = never");
  app.add_option("--max-conns-per-ip", cfg.max_connections_per_ip,
                 "Connections one client address (IPv4, IPv6 /64) may hold at once; the next gets "
                 "Error(TOO_MANY_CONNECTIONS). 0 = no limit")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--connects-per-ip", cfg.connects_per_ip_per_s,
                 "New connections a second one client address may open (a burst of as many); "
                 "over it Error(CONNECTING_TOO_FAST). 0 = no limit")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_flag("--limit-loopback", cfg.limit_loopback,
               "Apply the per-address limits to loopback clients too (exempt by default: a local "
               "proxy or load test shares one address)");
  app.add_option("--max-frame-bytes", cfg.max_frame_bytes,
                 "Largest frame body accepted; a bigger one gets FRAME_TOO_LARGE and a close")
      ->check(CLI::Range(256u, 64u * 1024 * 1024))
      ->capture_default_str();
  app.add_option("--max-text-bytes", cfg.max_text_bytes,
                 "Longest chat text, in bytes (at least 1024 below --max-frame-bytes)")
      ->check(CLI::Range(1u, 16u * 1024 * 1024))
      ->capture_default_str();
  app.add_option("--max-rooms", cfg.max_rooms_per_session, "Rooms one session may be in at once")
      ->check(CLI::Range(1u, 10000u))
      ->capture_default_str();
  app.add_option("--send-queue-soft-bytes", cfg.send_queue_soft_bytes,
                 "Unsent bytes for a client over which the server stops reading its requests "
                 "until it catches up; below --send-queue-bytes. 0 = never stop reading")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 32))
      ->capture_default_str();
  app.add_option("--send-queue-bytes", cfg.max_send_queue_bytes,
                 "Unsent bytes a client may fall behind by before it is disconnected as too slow")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 32))
      ->capture_default_str();
  app.add_option("--db", cfg.db_path,
                 "SQLite database of room history, accounts, bans, mutes and the audit log, "
                 "created on first start (\":memory:\": no file, all kept in memory until the "
                 "server stops; \"\": no history stored, messages Acked before storing, "
                 "accounts in memory)")
      ->capture_default_str();
  app.add_option("--history", cfg.history_replay,
                 "Messages of a room replayed, marked as history, to whoever joins it")
      ->check(CLI::Range(0u, 10000u))
      ->capture_default_str();
  app.add_option("--history-memory-bytes", cfg.history_memory_bytes,
                 "History all rooms together keep in memory for replays (text, names and about "
                 "200 bytes a message); over it the least recently used rooms' oldest messages "
                 "are replayed from --db, or are gone without one. 0 = none in memory")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 40))
      ->capture_default_str();
  app.add_option("--keep-messages", cfg.keep_messages,
                 "History kept per room: the newest this many messages. 0 = no count limit")
      ->capture_default_str();
  app.add_option("--keep-days", cfg.keep_days,
                 "History kept: messages younger than this many days. 0 = no age limit")
      ->check(CLI::Range(0u, 36500u))
      ->capture_default_str();
  app.add_option("--auth-threads", cfg.auth_threads,
                 "Threads checking and hashing passwords (Argon2id, about 6 logins a second "
                 "each); 0 = one per hardware thread but one (at least one)")
      ->check(CLI::Range(0u, 256u))
      ->capture_default_str();
  app.add_option("--auth-priority", auth_priority,
                 "Scheduling priority of those threads: low (Linux nice 10), idle (SCHED_IDLE: "
                 "chat latency untouched by a login flood, but no logins on a CPU that is "
                 "always busy) or normal")
      ->check(CLI::IsMember({"low", "idle", "normal"}))
      ->capture_default_str();
  app.add_option("--registrations-per-ip-per-hour", cfg.registration_limits.per_address,
                 "Nicknames one client address (IPv4, IPv6 /64) may register an hour (all at "
                 "once, then evenly); over it Error(REGISTRATION_LIMITED). Loopback is exempt "
                 "unless --limit-loopback. 0 = no limit")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--registrations-per-hour", cfg.registration_limits.in_all,
                 "Nicknames all clients together may register an hour; over it "
                 "Error(REGISTRATION_LIMITED). 0 = no limit")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--operator", cfg.operators,
                 "A registered nickname that has the operator role when logged in (repeatable); "
                 "the console's op command grants it too, stored in --db, and deop takes it "
                 "until the next start. One not registered "
                 "yet is registered at start with a password typed on the console; without "
                 "the console the server refuses to start")
      ->delimiter(',');
  app.add_flag("!--no-console", g_console,
               "Do not read operator commands from stdin (type help there for the list)");
  app.add_option("--motd", cfg.motd, "Message of the day, sent in Welcome")->capture_default_str();
  add_duration_option(app, "--linger,--linger-ms", cfg.linger, DurationUnit::milliseconds,
                      "How long a graceful close (quit, fatal error) may take: sending what is "
                      "queued, then waiting for the client to close",
                      std::chrono::hours(1));
  add_duration_option(app, "--shutdown-grace,--shutdown-grace-ms", cfg.shutdown_grace,
                      DurationUnit::milliseconds,
                      "On SIGINT/SIGTERM, how long clients get to receive the shutdown notice",
                      std::chrono::hours(1));
  app.add_option("--log-level", level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.set_version_flag("--version", CHAT_SERVER_VERSION);

  int exit_code = -1;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e) == 0 ? 0 : 2;  // --help and --version: 0; a usage error: 2
  }
  if (exit_code >= 0) {
    std::exit(exit_code);  // outside the handler: under mingw an exit from inside it lost the code
  }
  if (*port_opt) {
    cfg.port = static_cast<std::uint16_t>(port);
  }
  if (cfg.max_text_bytes + 1024 > cfg.max_frame_bytes) {
    std::cerr << "--max-text-bytes must be at least 1024 below --max-frame-bytes\n";
    std::exit(2);
  }
  if (cfg.send_queue_soft_bytes >= cfg.max_send_queue_bytes) {
    std::cerr << "--send-queue-soft-bytes must be below --send-queue-bytes (or 0)\n";
    std::exit(2);
  }
  if (cfg.heartbeat_timeout.count() != 0 && cfg.heartbeat_interval.count() != 0 &&
      cfg.heartbeat_timeout <= cfg.heartbeat_interval) {
    std::cerr << "--heartbeat-timeout must be more than --heartbeat-interval (or 0)\n";
    std::exit(2);
  }
  cfg.auth_priority = auth_priority == "idle"     ? chat::net::ThreadPriority::idle
                      : auth_priority == "normal" ? chat::net::ThreadPriority::normal
                                                  : chat::net::ThreadPriority::low;
  chat::log::Level lvl{};
  chat::log::parse_level(level, lvl);
  chat::log::set_level(lvl);
  return cfg;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chat_server: a protobuf chat server (see docs/protocol.md)", "chat_server"};
  chat::server::ServerConfig cfg = parse_flags(argc, argv, app);
  if (g_console) {
    // Before the console starts reading commands: the same stdin, one password per name.
    cfg.operator_password = [](const std::string& name) -> std::optional<std::string> {
      std::fprintf(stderr,
                   "--operator %s is not registered yet: type a password for it (%zu to %zu "
                   "bytes): ",
                   name.c_str(), chat::server::kMinPasswordBytes, chat::server::kMaxPasswordBytes);
      std::fflush(stderr);
      std::string password;
      const bool got = chat::net::read_secret_line(password);
      std::fprintf(stderr, "\n");
      return got ? std::optional<std::string>(std::move(password)) : std::nullopt;
    };
  }
  chat::net::capture_shutdown_signals();  // before any thread starts
  chat::net::start_named_thread("chat-signals", [] {
    g_stop.request(chat::net::wait_for_shutdown_signal(), "");
  }).detach();
  try {
    chat::server::ChatServer server(cfg);
    server.set_shutdown_handler(
        [](const std::string& reason) { g_stop.request("operator /shutdown", reason); });
    const chat::net::Endpoint bound = server.start();
    std::printf("listening on %s\n", bound.to_string().c_str());
    std::fflush(stdout);
    std::unique_ptr<chat::server::ServerConsole> console;
    if (g_console) {
      chat::log::info("console: type help for the operator commands");
      console = std::make_unique<chat::server::ServerConsole>(
          [&server](const std::string& line, const std::vector<std::string>& secrets) {
            return server.answer_console_command(line, secrets);
          });
    }
    const auto [why, reason] = g_stop.wait();
    chat::log::info("shutdown requested ({}){}", why, reason.empty() ? "" : ": " + reason);
    console.reset();  // no console command runs during or after the shutdown
    server.shutdown(reason);
  } catch (const std::exception& e) {
    chat::log::error("{}", e.what());
    chat::net::shutdown_finished();
    return 1;
  }
  chat::net::shutdown_finished();  // a console-close handler waiting for it lets Windows go on
  return 0;
}
