// chat_client: the console client's entry point. Parses the command line and runs a
// ConsoleClient (console_client.h) on the process's terminal.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include <CLI/CLI.hpp>

#include "command_line.h"
#include "console_client.h"
#include "net/shutdown_signal.h"
#include "net/thread_name.h"
#include "net/wire/duration_flag.h"

#if __has_include("chat_build_commit.h")  // written at every CMake build (cmake/BuildCommit)
#include "chat_build_commit.h"
#else  // Visual Studio's solution
#define CHAT_BUILD_COMMIT "not recorded"
#endif
#ifndef CHAT_CLIENT_VERSION
#define CHAT_CLIENT_VERSION "(version not recorded)"
#endif

namespace {

// Set by the signal thread (Ctrl+C, closing the window); static: that thread is never joined.
std::atomic<bool> g_interrupted{false};

// NO_COLOR (no-color.org): set and not empty, no colour. MSVC deprecates std::getenv (C4996, an
// error under /WX) for _dupenv_s.
bool no_color_in_environment() {
#if defined(_MSC_VER)
  char* value = nullptr;
  std::size_t size = 0;
  if (_dupenv_s(&value, &size, "NO_COLOR") != 0 || value == nullptr) {
    return false;
  }
  const bool set = value[0] != '\0';
  std::free(value);
  return set;
#else
  const char* value = std::getenv("NO_COLOR");
  return value != nullptr && value[0] != '\0';
#endif
}

}  // namespace

int main(int argc, char** argv) {
  chat::client::ConsoleClientFlags flags;
  CLI::App app{"chat_client: console client for chat_server. Type /help once connected.",
               "chat_client"};
  app.add_option("--host", flags.host, "Server address (numeric IPv4/IPv6)")->capture_default_str();
  app.add_option("--port", flags.port, "Server port")->capture_default_str();
  app.add_option("--nick", flags.nick,
                 "Nickname; asked for (or read as the first input line) "
                 "when missing");
  app.add_option("--password", flags.password,
                 "Log in to your registered nickname (/register registers it). Also "
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
  bool no_color = false;
  app.add_flag("--no-color", no_color,
               "No colours on a terminal (also when NO_COLOR is set); never any when the output "
               "is not a terminal");
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
    g_interrupted = true;
    chat::client::terminal::interrupt_stdin_reads();
  }).detach();

  int code = 0;
  {
    chat::client::ConsoleClientIo io;
    io.interrupted = &g_interrupted;
    const bool terminal = chat::client::terminal::stdout_is_terminal();
    io.colour = terminal && !no_color && !no_color_in_environment();
    io.show_times = terminal;
    chat::client::ConsoleClient client(flags, std::move(io));
    code = client.run();
  }
  std::fflush(stdout);
  chat::net::shutdown_finished();  // closing the window: its handler waits for the goodbye
  return code;
}
