// chat_bot: the bundled load tester. Runs one scenario against a chat_server, checks every
// delivery and reports throughput and latency. Exit codes: 0 all checks passed, 1 a check
// failed (loss, duplication, reordering, errors, bots that could not join, time ran out),
// 2 usage.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "bot_options.h"
#include "client/command_line.h"
#include "net/io_service.h"
#include "net/wire/duration_flag.h"
#include "report.h"
#include "runner.h"

int main(int argc, char** argv) {
  using chat::bot::BotOptions;
  BotOptions opt;
  std::string scenario = "fanout";
  CLI::App app{
      "chat_bot: load-tests a chat_server and checks every delivery.\n"
      "Scenarios: fanout (all bots in one room), rooms (bots spread over --rooms rooms), "
      "whisper (pairs whisper to each other), echo (request/response), churn (connect, join, "
      "enter a room, leave it, quit; --messages cycles each), idle (--clients connections "
      "join and stay for --hold seconds; with --server-pid, the server's memory per "
      "connection), login (connect, log in with --password, quit; --messages logins each, after "
      "a first cycle that registers each bot's nickname).\nExit codes: 0 every check passed, 1 a "
      "check failed (the summary says which), "
      "2 usage error.",
      "chat_bot"};
  app.add_option("--host", opt.host, "Server address (numeric IPv4/IPv6)")->capture_default_str();
  app.add_option("--port", opt.port, "Server port")->capture_default_str();
  app.add_option("--scenario", scenario, "fanout, rooms, whisper, echo, churn, idle or login")
      ->check(CLI::IsMember({"fanout", "rooms", "whisper", "echo", "churn", "idle", "login"}))
      ->capture_default_str();
  app.add_option("--clients", opt.clients, "Bots, one connection each")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  app.add_option("--messages", opt.messages,
                 "Messages each bot sends (churn: cycles each bot runs; login: logins)")
      ->check(CLI::Range(1u, 100000000u))
      ->capture_default_str();
  app.add_option("--size", opt.size, "Bytes of text per message (at least the numbers it carries)")
      ->check(CLI::Range(1u, 16u * 1024 * 1024))
      ->capture_default_str();
  app.add_option("--rooms", opt.rooms, "rooms: how many rooms the bots spread over")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  app.add_option("--rate", opt.rate,
                 "Messages per second over all bots, paced; 0 = as fast as the server "
                 "acknowledges them, within --window")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--window", opt.window, "Messages in flight (sent, not acknowledged) per bot")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  const auto as_ms = [](double seconds) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  };
  std::chrono::milliseconds duration = as_ms(opt.duration_s);
  std::chrono::milliseconds hold = as_ms(opt.hold_s);
  chat::wire::add_duration_option(
      app, "--duration", duration, chat::wire::DurationUnit::seconds,
      "Upper bound on the whole run, more than 0; work not done by then is reported");
  chat::wire::add_duration_option(app, "--hold", hold, chat::wire::DurationUnit::seconds,
                                  "idle: how long the joined connections are held");
  app.add_option("--workers", opt.workers,
                 "Network threads; 0 = one per hardware thread but one (at least one)")
      ->capture_default_str();
  std::vector<std::string> backends{"auto"};
  for (const auto& name : chat::net::io_backend_names()) {
    backends.push_back(name);
  }
  app.add_option("--io-backend", opt.io_backend,
                 "I/O backend: auto (the platform's default: " +
                     chat::net::io_backend_names().front() + "), or one of those listed")
      ->check(CLI::IsMember(backends))
      ->capture_default_str();
  app.add_option("--busy-poll", opt.busy_poll_us,
                 "Microseconds a network thread keeps polling after traffic before it sleeps, so "
                 "that the bot's own wake-ups are not counted as latency; 0 = never")
      ->capture_default_str();
  app.add_option("--source-addresses", opt.source_addresses,
                 "Spread connections over 127.0.0.1..N (loopback servers only); 0 = one per "
                 "20000 connections")
      ->check(CLI::Range(0u, 250u))
      ->capture_default_str();
  app.add_option("--server-pid", opt.server_pid,
                 "A local server's process id: report its resident memory (idle: per "
                 "connection)");
  app.add_flag("--lobby", opt.lobby,
               "Join the lobby as people do (every join tells every member) instead of "
               "Join.skip_lobby");
  app.add_option("--room", opt.room, "Room name (rooms: the prefix of the room names)")
      ->capture_default_str();
  app.add_option("--nick-prefix", opt.nick_prefix, "Bot nicknames are this plus a number")
      ->capture_default_str();
  app.add_option("--password", opt.password,
                 "login: the password the bots register their nicknames with and log in with "
                 "(8 to 128 bytes)")
      ->check([](const std::string& p) {
        return p.size() >= 8 && p.size() <= 128 ? std::string() : "8 to 128 bytes";
      })
      ->capture_default_str();
  app.add_flag("--json", opt.json, "Print the results as JSON on stdout instead of a table");
  app.add_flag("!--no-progress", opt.progress, "No live progress line on stderr");
  if (const auto exit_code = chat::client::parse_command_line(app, argc, argv)) {
    return *exit_code;
  }
  if (duration.count() == 0) {
    std::cerr << "chat_bot: --duration must be more than 0\n";
    return 2;
  }
  opt.duration_s = static_cast<double>(duration.count()) / 1000;
  opt.hold_s = static_cast<double>(hold.count()) / 1000;
  chat::bot::parse_scenario(scenario, opt.scenario);

  // Thousands of connections need thousands of descriptors. Say so up front: past the limit,
  // connects would fail one by one and the run would end as bots that could not join.
  constexpr unsigned kDescriptorsBesidesBots = 32;  // stdio, the poller, its wake-ups
  const unsigned needed = opt.clients + kDescriptorsBesidesBots;
  if (const unsigned limit = chat::net::raise_open_file_limit(needed); limit < needed) {
    std::cerr << "chat_bot: --clients " << opt.clients << " needs " << needed
              << " open files, and the limit here is " << limit
              << " (ulimit -n): raise it, or split the bots over several chat_bot processes\n";
    return 2;
  }
  const chat::bot::RunResult result = chat::bot::run_scenario(opt);
  const std::string out = opt.json ? chat::bot::to_json(result) : chat::bot::summary_table(result);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return result.ok() ? 0 : 1;
}
