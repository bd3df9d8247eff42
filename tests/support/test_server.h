// An in-process ChatServer on an ephemeral loopback port, for integration tests.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "chat_server.h"
#include "log.h"
#include "support/environment.h"

namespace chat::testing {

// The I/O backend the chat suites run on: CHAT_TEST_IO_BACKEND when set (ctest runs the suites
// once per backend the build has), else the platform's default.
inline std::string test_io_backend() {
  return environment_variable("CHAT_TEST_IO_BACKEND").value_or("auto");
}

inline server::ServerConfig test_config() {
  server::ServerConfig cfg;
  cfg.io_backend = test_io_backend();
  cfg.flood_rate = 0;           // the suites send bursts; the flood tests switch it on
  cfg.whisper_bytes_per_s = 0;  // likewise for whispers
  cfg.db_path.clear();     // nothing stored: each server starts empty; the history tests set it
  cfg.history_replay = 0;  // no replays for the suites to skip; the history tests switch it on
  cfg.password_cost = server::HashCost::minimal;  // Argon2id's floor: registering stays quick
  // Off, so a slow (sanitizer, Wine) run is never cut short; the timeout tests switch them on.
  cfg.handshake_timeout = std::chrono::milliseconds(0);
  cfg.heartbeat_interval = std::chrono::milliseconds(0);
  cfg.heartbeat_timeout = std::chrono::milliseconds(0);
  cfg.port = 0;
  cfg.workers = 2;
  cfg.max_clients = 200;
  cfg.linger = std::chrono::milliseconds(500);
  cfg.shutdown_grace = std::chrono::milliseconds(3000);
  return cfg;
}

// test_config() for the account tests: a (nickname, address) pair shut after failed logins
// stays shut for an hour, however slow the run, so no test sees it open again by itself.
inline server::ServerConfig test_config_for_accounts() {
  server::ServerConfig cfg = test_config();
  cfg.login_limits.first_delay = std::chrono::hours(1);
  cfg.login_limits.max_delay = std::chrono::hours(1);
  cfg.login_limits.address_drain = std::chrono::hours(1);
  return cfg;
}

// 127.0.0.2, 127.0.0.3, ...: distinct client hosts to a loopback server (a connect's `from`).
inline net::Endpoint loopback_host(int n) {
  return net::Endpoint{"127.0.0." + std::to_string(n), 0};
}

class TestServer {
 public:
  // `before_start` runs on the server before it starts: what the workers will read (a shutdown
  // handler) is set before any of them runs.
  explicit TestServer(const server::ServerConfig& cfg = test_config(),
                      const std::function<void(server::ChatServer&)>& before_start = {})
      : server_(std::make_unique<server::ChatServer>(cfg)) {
    if (before_start) {
      before_start(*server_);
    }
    // Quiet by default; CHAT_TEST_LOG_LEVEL=debug shows the server's side of a failing test.
    log::Level level = log::Level::warn;
    if (const auto wanted = environment_variable("CHAT_TEST_LOG_LEVEL")) {
      log::parse_level(*wanted, level);
    }
    log::set_level(level);
    endpoint_ = server_->start();
  }
  const net::Endpoint& endpoint() const { return endpoint_; }
  server::ChatServer& server() { return *server_; }

 private:
  std::unique_ptr<server::ChatServer> server_;
  net::Endpoint endpoint_;
};

}  // namespace chat::testing
