// chat_server: flags, signals, the console, start, wait, reload, shut down. Everything else is in
// chat_server_core; the service manager's side (systemd, the Windows SCM) is in service_host.
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "chat_server.h"
#include "log.h"
#include "net/console_input.h"
#include "net/shutdown_signal.h"
#include "net/thread_name.h"
#include "server_console.h"
#include "server_flags.h"
#include "server_reload.h"
#include "service_host.h"

#if __has_include("chat_build_commit.h")  // written at every CMake build (cmake/BuildCommit)
#include "chat_build_commit.h"
#else  // Visual Studio's solution
#define CHAT_BUILD_COMMIT "not recorded"
#endif

namespace {

// Why the server should stop: a signal, a service stop, or an operator's /shutdown.
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
// Set once the server runs; the detached signal thread reloads through it. Never destroyed, for
// the same reason; it does nothing once the server is gone.
chat::server::Reloader& g_reloader = *new chat::server::Reloader;

std::string version_text() {
  return std::string("chat_server ") + CHAT_SERVER_VERSION + " (commit " + CHAT_BUILD_COMMIT + ")";
}

// Sends the log where the flags say; false (and why, on stderr) when the log file cannot be
// opened.
bool start_logging(const chat::server::ServerSettings& s) {
  chat::log::set_level(s.log_level);
  chat::log::set_format(s.log_format);
  if (!s.log_file.empty()) {
    if (const std::string error = chat::log::open_file(s.log_file); !error.empty()) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return false;
    }
  }
  return true;
}

// The console's answer to `line`: reload and reopen-log are chat_server's own commands; the
// rest are operator commands (and help lists both).
chat::server::ConsoleAnswer answer_console(chat::server::ChatServer& server,
                                           const std::string& line,
                                           const std::vector<std::string>& secrets) {
  if (line == "reload") {
    return {g_reloader.reload("console"), {}};
  }
  if (line == "reopen-log") {
    return {{g_reloader.reopen_log("console")}, {}};
  }
  chat::server::ConsoleAnswer answer = server.answer_console_command(line, secrets);
  if (line == "help") {
    answer.lines.push_back(
        "reload                       read --config and the flags again; apply what can change "
        "without a restart (as SIGHUP does)");
    answer.lines.push_back(
        "reopen-log                   close and reopen --log-file (after logrotate moved it)");
  }
  return answer;
}

// The server's life once the flags are read: start, listen, serve until a stop, shut down.
// Returns the exit code.
int serve(chat::server::ServerSettings settings, const std::vector<std::string>& args) {
  using chat::server::service_host::Notice;
  using chat::server::service_host::notify;
  if (settings.console) {
    // Before the console starts reading commands: the same stdin, one password per name.
    settings.config.operator_password = [](const std::string& name) -> std::optional<std::string> {
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
  try {
    chat::server::ChatServer server(settings.config);
    // Destroyed before `server` on every way out, exceptions included: a SIGHUP then finds no
    // server instead of a destroyed one.
    struct DetachReloader {
      ~DetachReloader() { g_reloader.detach(); }
    } detach_reloader;
    server.set_shutdown_handler(
        [](const std::string& reason) { g_stop.request("operator /shutdown", reason); });
    const chat::net::Endpoint bound = server.start();
    g_reloader.attach(server, args, settings, version_text());
    std::printf("listening on %s\n", bound.to_string().c_str());
    std::fflush(stdout);
    notify(Notice::ready, "listening on " + bound.to_string());
    // Pings from the workers until the shutdown begins (run_on_worker's contract ends there).
    std::optional<chat::server::service_host::Watchdog> watchdog(std::in_place, server);
    std::unique_ptr<chat::server::ServerConsole> console;
    if (settings.console) {
      chat::log::info("console: type help for the operator commands");
      console = std::make_unique<chat::server::ServerConsole>(
          [&server](const std::string& line, const std::vector<std::string>& secrets) {
            return answer_console(server, line, secrets);
          });
    }
    const auto [why, reason] = g_stop.wait();
    chat::log::info("shutdown requested ({}){}", why, reason.empty() ? "" : ": " + reason);
    notify(Notice::stopping, "shutting down (" + why + ")");
    console.reset();  // no console command runs during or after the shutdown
    watchdog.reset();
    g_reloader.detach();
    server.shutdown(reason);
  } catch (const std::exception& e) {
    chat::log::error("{}", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  chat::server::ParsedFlags parsed = chat::server::parse_server_flags(args, version_text());
  if (!parsed.settings) {
    std::fputs(parsed.output.c_str(), stdout);
    std::fputs(parsed.errors.c_str(), stderr);
    return parsed.exit_code;
  }
  chat::server::ServerSettings& settings = *parsed.settings;
  if (!settings.service_command.empty() && settings.service_command != "run") {
    return chat::server::service_host::control(settings.service_command, args);
  }
  chat::net::capture_shutdown_signals();  // before any thread starts
  const bool as_service = settings.service_command == "run";
  chat::net::start_named_thread("chat-signals", [as_service] {
    for (;;) {
      const char* signal = chat::net::wait_for_shutdown_signal();
      if (as_service && chat::net::is_user_logoff(signal)) {
        chat::log::info("{}: a user logged off; the service goes on", signal);
        continue;
      }
      if (!chat::net::is_reload_request(signal)) {
        g_stop.request(signal, "");
        return;
      }
      g_reloader.reload(signal);
    }
  }).detach();
  // Logging starts inside: a Windows service first moves to its own directory.
  const int code = chat::server::service_host::run(
      as_service, [&] { return start_logging(settings) ? serve(std::move(settings), args) : 1; });
  chat::net::shutdown_finished();  // a console-close handler waiting for it lets Windows go on
  return code;
}
