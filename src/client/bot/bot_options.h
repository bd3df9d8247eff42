// Public header. chat_bot's settings: which scenario, how many bots, how much load, for how long.
#pragma once

#include <cstdint>
#include <string>

namespace chat::bot {

enum class Scenario { fanout, rooms, whisper, echo, churn, idle, login };

// Parses "fanout", "rooms", ...; false if unknown. Thread-safe (pure).
bool parse_scenario(const std::string& name, Scenario& out);
const char* to_string(Scenario s);

struct BotOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 15410;
  Scenario scenario = Scenario::fanout;
  unsigned clients = 100;           // bots (connections) at once
  unsigned messages = 100;          // per bot: messages sent, cycles for churn, logins for login
  unsigned size = 64;               // bytes of chat text per message
  unsigned rooms = 10;              // for the rooms scenario
  double rate = 0;                  // total messages per second over all bots; 0 = as fast as acked
  unsigned window = 32;             // messages in flight (sent, not yet acknowledged) per bot
  double duration_s = 60;           // hard bound on the whole run
  double hold_s = 2;                // idle: how long the joined connections are held
  unsigned workers = 0;             // network threads; 0 = net::default_worker_count()
  std::string io_backend = "auto";  // net::IoConfig::backend
  unsigned busy_poll_us = 100;      // net::IoConfig::busy_poll
  unsigned source_addresses = 0;    // 127.0.0.x source addresses; 0 = as many as needed
  long server_pid = 0;              // a local server's pid, to read its memory (idle)
  bool lobby = false;               // join the lobby as people do, instead of Join.skip_lobby
  bool json = false;
  bool progress = true;  // the live line, when stderr is a terminal
  std::string nick_prefix = "bot";
  std::string password = "bot-password";  // login: the bots' accounts' password (8-128 bytes)
  std::string room = "bench";
};

}  // namespace chat::bot
