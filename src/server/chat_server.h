// Public header. The chat server: owns the I/O service, the worker threads and all chat state.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chat.pb.h"
#include "net/endpoint.h"
#include "net/io_service.h"
#include "operators/operator_commands.h"
#include "server_config.h"
#include "session.h"

namespace chat::server {

struct ServerCore;
class RequestIntake;
class AuthHandover;
class Housekeeping;

class ChatServer final : private net::IoHandler {
 public:
  explicit ChatServer(const ServerConfig& config);
  ~ChatServer() override;  // shuts down if still running
  ChatServer(const ChatServer&) = delete;
  ChatServer& operator=(const ChatServer&) = delete;

  // Listens and starts the workers. Returns the bound endpoint; throws std::runtime_error if no
  // port could be bound, or an --operator name is not registered and config.operator_password
  // gives no password for it. Call once, from the owning thread.
  net::Endpoint start();

  // Graceful shutdown: stop accepting, Notice(SHUTDOWN) to every connection (its text ends with
  // `reason` when given), flush within config.shutdown_grace, close everything, stop the
  // workers. Blocks until done. Idempotent. Call from the owning thread (not from a worker).
  void shutdown(const std::string& reason = "");

  // What an operator's /shutdown calls (chat_server's main: stop as on SIGTERM). Call before
  // start(), from the owning thread.
  void set_shutdown_handler(std::function<void(const std::string& reason)> handler);
  // Runs one line of the server's console as an operator command (see operator_commands.h) and
  // returns what to print. Thread-safe; call between start() and shutdown().
  std::vector<std::string> run_console_command(const std::string& line);
  // The same for a console that can read secrets: a line that needs some (passwd NICK) first
  // answers with their prompts; the console reads them without echo and calls again with the
  // same line and `secrets`. Hashes a password on the calling thread. Thread-safe, as above.
  ConsoleAnswer answer_console_command(const std::string& line,
                                       const std::vector<std::string>& secrets);

  // A reload: applies what of `next` can change without a restart (config_reload.h) and returns
  // a line per change for the log. Thread-safe (reloads run one at a time); call between start()
  // and shutdown().
  std::vector<std::string> reload(const ServerConfig& next);
  // Runs `task` on one of the worker threads, after what is queued there now (the service
  // watchdog's liveness ping). Thread-safe; between start() and shutdown().
  void run_on_worker(std::function<void()> task);

  // One sweep of the handshake and heartbeat timeouts and heartbeat Pings, as if the steady
  // clock (ServerCore::steady_ms) read `now`. The housekeeping thread runs it every
  // config.sweep_interval; tests may run one more from any thread, at any moment.
  void check_timeouts(std::int64_t now);

  // Connections counted against max_clients right now. Thread-safe.
  unsigned client_count() const;
  // The bytes of room history held in memory now, by the server's own count (never more than
  // config.history_memory_bytes once each publish has returned, but for messages still waiting
  // for their commit). Thread-safe.
  std::size_t history_bytes() const;
  const ServerConfig& config() const { return config_; }

 private:
  void on_accept(net::ConnId id, const net::Endpoint& peer) override;
  void on_connect(net::ConnId id, std::error_code ec) override;
  void on_recv(net::ConnId id, net::ByteSpan data, std::error_code ec) override;
  void on_send(net::ConnId id, std::error_code ec) override;
  void on_closed(net::ConnId id) override;
  bool on_batch_end() override;

  // The per-address checks for a new connection, its address parsed once: a ban, then the
  // limits. True to serve it; false when it was refused with a fatal error (BANNED,
  // TOO_MANY_CONNECTIONS, CONNECTING_TOO_FAST). From on_accept.
  bool admit_address(net::ConnId id, Session& s, const net::Endpoint& peer);
  // Registers each --operator name not registered yet with the password config.operator_password
  // gives; throws std::runtime_error (the server refuses to start) when it cannot.
  void register_configured_operators();

  const ServerConfig config_;
  std::mutex reload_mutex_;
  ServerConfig running_;  // config_ as reloads changed it; guarded by reload_mutex_
  std::unique_ptr<ServerCore> core_;
  std::unique_ptr<RequestIntake> intake_;
  std::unique_ptr<AuthHandover> auth_;
  std::unique_ptr<Housekeeping> housekeeping_;
  // Clients served at once: --max-clients, or fewer where the open-file limit has no room for
  // that many. Set by start() before the workers run; read-only after.
  unsigned client_limit_ = 0;
  std::vector<std::thread> workers_;
  std::atomic<unsigned> open_connections_{0};  // accepted and not yet on_closed
  std::mutex state_mutex_;
  std::condition_variable state_changed_;  // open_connections_ fell
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace chat::server
