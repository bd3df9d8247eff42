#include "server_flags.h"

#include <sstream>

#include <CLI/CLI.hpp>

#include "net/io_service.h"
#include "net/wire/duration_flag.h"

namespace chat::server {
namespace {

// The strings a flag was given as, kept until the checks after parsing.
struct RawFlags {
  unsigned port = 0;
  CLI::Option* port_option = nullptr;
  std::string level = "info";
  std::string auth_priority = "low";
  std::string log_format = "text";
  bool print_config = false;
  // Not CLI11's "!--no-console" on `console`: a negated flag reads `no-console = false` from a
  // config file as the flag given.
  bool no_console = false;
};

void add_server_options(CLI::App& app, ServerSettings& s, RawFlags& raw) {
  unsigned& port = raw.port;
  std::string& level = raw.level;
  std::string& auth_priority = raw.auth_priority;
  app.add_option("--host", s.config.host, "Address to listen on (numeric IPv4/IPv6)")
      ->capture_default_str();
  raw.port_option = app.add_option("--port", port,
                                   "TCP port; 0 picks an ephemeral port. Default: the first free "
                                   "port in 15410-33333")
                        ->check(CLI::Range(0, 65535));
  app.add_option("--workers", s.config.workers,
                 "Worker threads; 0 = one per hardware thread but one (at least one)")
      ->capture_default_str();
  app.add_option("--max-clients", s.config.max_clients,
                 "Connections served at once; the next one gets Error(SERVER_FULL). Fewer where "
                 "the open-file limit (ulimit -n) cannot hold that many: the server says so")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  app.add_option("--posted-accepts", s.config.posted_accepts,
                 "Windows (IOCP): AcceptEx calls kept posted, so bursts of connects are taken "
                 "at once; unused on Linux")
      ->check(CLI::Range(1u, 4096u))
      ->capture_default_str();
  std::vector<std::string> backends{"auto"};
  for (const auto& name : chat::net::io_backend_names()) {
    backends.push_back(name);
  }
  app.add_option("--io-backend", s.config.io_backend,
                 "I/O backend: auto (the platform's default: " +
                     chat::net::io_backend_names().front() + "), or one of those listed")
      ->check(CLI::IsMember(backends))
      ->capture_default_str();
  app.add_option("--flood-burst", s.config.flood_burst,
                 "Flood control: requests a client may send at once before the rate applies")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  app.add_option("--flood-rate", s.config.flood_rate,
                 "Flood control: requests per second a client may keep sending; over it they get "
                 "Error(RATE_LIMITED). 0 = off (load tests)")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--whisper-bytes-per-s", s.config.whisper_bytes_per_s,
                 "Whispers one user receives from everyone together, in bytes a second (a burst "
                 "of two seconds' worth); over it the sender gets Error(RATE_LIMITED). 0 = off")
      ->check(CLI::Range(0u, 1000000000u))
      ->capture_default_str();
  using chat::wire::add_duration_option;
  using chat::wire::DurationUnit;
  add_duration_option(app, "--handshake-timeout", s.config.handshake_timeout, DurationUnit::seconds,
                      "How long a connection has to Join; then Error(HANDSHAKE_TIMEOUT) and a "
                      "close. 0 = no limit");
  add_duration_option(app, "--heartbeat-interval", s.config.heartbeat_interval,
                      DurationUnit::seconds,
                      "Silence from a client before the server Pings it. 0 = no heartbeat");
  add_duration_option(app, "--heartbeat-timeout", s.config.heartbeat_timeout, DurationUnit::seconds,
                      "Silence after which a client is dropped (Error(HEARTBEAT_TIMEOUT)); more "
                      "than --heartbeat-interval. 0 = never");
  app.add_option("--max-conns-per-ip", s.config.max_connections_per_ip,
                 "Connections one client address (IPv4, IPv6 /64) may hold at once; the next gets "
                 "Error(TOO_MANY_CONNECTIONS). 0 = no limit")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--connects-per-ip", s.config.connects_per_ip_per_s,
                 "New connections a second one client address may open (a burst of as many); "
                 "over it Error(CONNECTING_TOO_FAST). 0 = no limit")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_flag("--limit-loopback", s.config.limit_loopback,
               "Apply the per-address limits to loopback clients too (exempt by default: a local "
               "proxy or load test shares one address)");
  app.add_option("--max-frame-bytes", s.config.max_frame_bytes,
                 "Largest frame body accepted; a bigger one gets FRAME_TOO_LARGE and a close")
      ->check(CLI::Range(256u, 64u * 1024 * 1024))
      ->capture_default_str();
  app.add_option("--max-text-bytes", s.config.max_text_bytes,
                 "Longest chat text, in bytes (at least 1024 below --max-frame-bytes)")
      ->check(CLI::Range(1u, 16u * 1024 * 1024))
      ->capture_default_str();
  app.add_option("--max-rooms", s.config.max_rooms_per_session,
                 "Rooms one session may be in at once")
      ->check(CLI::Range(1u, 10000u))
      ->capture_default_str();
  app.add_option("--send-queue-soft-bytes", s.config.send_queue_soft_bytes,
                 "Unsent bytes for a client over which the server stops reading its requests "
                 "until it catches up; below --send-queue-bytes. 0 = never stop reading")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 32))
      ->capture_default_str();
  app.add_option("--send-queue-bytes", s.config.max_send_queue_bytes,
                 "Unsent bytes a client may fall behind by before it is disconnected as too slow")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 32))
      ->capture_default_str();
  app.add_option("--db", s.config.db_path,
                 "SQLite database of room history, accounts, bans, mutes and the audit log, "
                 "created on first start (\":memory:\": no file, all kept in memory until the "
                 "server stops; \"\": no history stored, messages Acked before storing, "
                 "accounts in memory)")
      ->capture_default_str();
  app.add_option("--history", s.config.history_replay,
                 "Messages of a room replayed, marked as history, to whoever joins it")
      ->check(CLI::Range(0u, 10000u))
      ->capture_default_str();
  app.add_option("--history-memory-bytes", s.config.history_memory_bytes,
                 "History all rooms together keep in memory for replays (text, names and about "
                 "200 bytes a message); over it the least recently used rooms' oldest messages "
                 "are replayed from --db, or are gone without one. 0 = none in memory")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 40))
      ->capture_default_str();
  app.add_option("--keep-messages", s.config.keep_messages,
                 "History kept per room: the newest this many messages. 0 = no count limit")
      ->capture_default_str();
  app.add_option("--keep-days", s.config.keep_days,
                 "History kept: messages younger than this many days. 0 = no age limit")
      ->check(CLI::Range(0u, 36500u))
      ->capture_default_str();
  app.add_option("--auth-threads", s.config.auth_threads,
                 "Threads checking and hashing passwords (Argon2id, about 10 logins a second "
                 "each); 0 = one per hardware thread but one (at least one)")
      ->check(CLI::Range(0u, 256u))
      ->capture_default_str();
  app.add_option("--auth-priority", auth_priority,
                 "Scheduling priority of those threads: low (Linux nice 10), idle (SCHED_IDLE: "
                 "chat latency untouched by a login flood, but no logins on a CPU that is "
                 "always busy) or normal")
      ->check(CLI::IsMember({"low", "idle", "normal"}))
      ->capture_default_str();
  app.add_option("--registrations-per-ip-per-hour", s.config.registration_limits.per_address,
                 "Nicknames one client address (IPv4, IPv6 /64) may register an hour (all at "
                 "once, then evenly); over it Error(REGISTRATION_LIMITED). Loopback is exempt "
                 "unless --limit-loopback. 0 = no limit")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--registrations-per-hour", s.config.registration_limits.in_all,
                 "Nicknames all clients together may register an hour; over it "
                 "Error(REGISTRATION_LIMITED). 0 = no limit")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--operator", s.config.operators,
                 "A registered nickname that has the operator role when logged in (repeatable); "
                 "the console's op command grants it too, stored in --db, and deop takes it "
                 "until the next start. One not registered "
                 "yet is registered at start with a password typed on the console; without "
                 "the console the server refuses to start (a reload adds registered names only)")
      ->delimiter(',');
  app.add_flag("--no-console", raw.no_console,
               "Do not read operator commands from stdin (type help there for the list)");
  app.add_option("--motd", s.config.motd, "Message of the day, sent in Welcome")
      ->capture_default_str();
  add_duration_option(app, "--linger,--linger-ms", s.config.linger, DurationUnit::milliseconds,
                      "How long a graceful close (quit, fatal error) may take: sending what is "
                      "queued, then waiting for the client to close",
                      std::chrono::hours(1));
  add_duration_option(
      app, "--shutdown-grace,--shutdown-grace-ms", s.config.shutdown_grace,
      DurationUnit::milliseconds,
      "On SIGINT/SIGTERM (or a service stop), how long clients get to receive the shutdown notice",
      std::chrono::hours(1));
  app.add_option("--log-level", level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_option("--log-file", s.log_file,
                 "Write the log to this file (appended) instead of stderr (a Windows service: "
                 "chat_server.log in its directory); reopened on SIGHUP and by the console's "
                 "reopen-log, for logrotate");
  app.add_option("--log-format", raw.log_format,
                 "text (one line per event) or json (one JSON object per line, for log "
                 "shippers)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--service", s.service_command,
                 "Windows: install, uninstall, start or stop the Windows service chat_server "
                 "(install keeps the other flags given, for the service to run with; run is how "
                 "the installed service starts). Not on Linux, where systemd runs the server")
      ->check(CLI::IsMember({"install", "uninstall", "start", "stop", "run"}))
      ->configurable(false);
  app.set_config("--config", "",
                 "Read flags from this TOML file (key = value, a key per flag without the "
                 "dashes, as --print-config prints them); flags on the command line win");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_flag("--print-config", raw.print_config,
               "Print the effective configuration (defaults, the --config file, the command "
               "line) in the --config format, and exit")
      ->configurable(false);
}

// The configuration as --config reads it: every option with its value and its help as a comment
// above it. An option that has no value (--port searches for a free one, --operator names
// nobody, --log-file means stderr) is shown commented out: CLI11 writes it as "", which would not
// read back as "unset".
std::string effective_config(const CLI::App& app) {
  std::string text = app.config_to_str(true, true);
  for (const CLI::Option* option : app.get_options()) {
    if (!option->get_configurable() || option->get_lnames().empty() || option->count() != 0 ||
        !option->get_default_str().empty()) {
      continue;
    }
    const std::string& name = option->get_lnames().front();
    const std::string empty = "\n" + name + "=\"\"\n";
    if (const auto at = text.find(empty); at != std::string::npos) {
      text.replace(at, empty.size(), "\n# " + name + "=\n");
    } else if (text.find("\n" + name + "=") == std::string::npos) {
      text += "\n# " + option->get_description() + "\n# " + name + "=\n";
    }
  }
  return text;
}

// The checks across flags; an error text, or empty.
std::string cross_check(const ServerConfig& c) {
  if (c.max_text_bytes + 1024 > c.max_frame_bytes) {
    return "--max-text-bytes must be at least 1024 below --max-frame-bytes";
  }
  if (c.send_queue_soft_bytes >= c.max_send_queue_bytes) {
    return "--send-queue-soft-bytes must be below --send-queue-bytes (or 0)";
  }
  if (c.heartbeat_timeout.count() != 0 && c.heartbeat_interval.count() != 0 &&
      c.heartbeat_timeout <= c.heartbeat_interval) {
    return "--heartbeat-timeout must be more than --heartbeat-interval (or 0)";
  }
  return {};
}

}  // namespace

ParsedFlags parse_server_flags(const std::vector<std::string>& args, const std::string& version) {
  ParsedFlags result;
  ServerSettings s;
  RawFlags raw;
  CLI::App app{"chat_server: a protobuf chat server (see docs/protocol.md)", "chat_server"};
  add_server_options(app, s, raw);
  app.set_version_flag("--version", version);
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
    app.parse(reversed);
  } catch (const CLI::ConfigError& e) {
    // CLI11 says "INI was not able to parse KEY" of an unknown key: say it in our words.
    std::string what = e.what();
    const std::string unknown = "INI was not able to parse ";
    if (what.rfind(unknown, 0) == 0) {
      what = "unknown key '" + what.substr(unknown.size()) + "' in the --config file";
    }
    result.exit_code = 2;
    result.errors = what + "\nRun with --help for more information.\n";
    return result;
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    result.exit_code = app.exit(e, out, err) == 0 ? 0 : 2;  // --help, --version: 0; else 2
    result.output = out.str();
    result.errors = err.str();
    return result;
  }
  if (raw.print_config) {
    result.output = effective_config(app);
    return result;
  }
  if (*raw.port_option) {
    s.config.port = static_cast<std::uint16_t>(raw.port);
  }
  if (const std::string error = cross_check(s.config); !error.empty()) {
    result.exit_code = 2;
    result.errors = error + "\n";
    return result;
  }
  s.config.auth_priority = raw.auth_priority == "idle"     ? net::ThreadPriority::idle
                           : raw.auth_priority == "normal" ? net::ThreadPriority::normal
                                                           : net::ThreadPriority::low;
  s.console = !raw.no_console;
  log::parse_level(raw.level, s.log_level);
  s.log_format = raw.log_format == "json" ? log::Format::json : log::Format::text;
  if (const CLI::Option* config = app.get_config_ptr(); config != nullptr && *config) {
    s.config_file = config->as<std::string>();
  }
  // A Windows service has no terminal for stderr: it logs to a file in its own directory unless
  // the command line or the --config file names one. Decided here, after both are read, so a
  // config file's log-file is not hidden and a reload (which parses again) sees the same value.
  if (s.service_command == "run" && s.log_file.empty()) {
    s.log_file = kServiceLogFile;
  }
  result.settings = std::move(s);
  return result;
}

}  // namespace chat::server
