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

  // Feeds received bytes through the decoder and the dispatcher.
  void process_bytes(net::ConnId id, net::ByteSpan data);
  // One frame: decode, flood control, dispatch (or hold it while a password is checked). False
  // to stop reading the chunk (closing). `request` is scratch, reused across a chunk's frames.
  bool handle_frame(net::ConnId id, Session& s, net::ByteSpan body,
                    TokenBucket::Clock::time_point now, proto::Envelope& request);
  // Starts the next receive, unless backpressure parks it (park_recv).
  void read_on(net::ConnId id, Session& s);
  // Accounts. A handler that needs the auth worker leaves s.auth set; when the receive ends,
  // begin_auth() submits it (true: `s` now waits for on_auth_result, nothing more is read; a
  // full queue answers through on_auth_result too).
  bool begin_auth(net::ConnId id, Session& s);
  // The auth worker's answer, posted to a worker thread: takes `s` over unless on_closed()
  // cancelled the check, answers the request, handles the frames held meanwhile, reads on.
  void on_auth_result(const AuthResult& r);
  void finish_auth(net::ConnId id, Session& s, const AuthResult& r);
  // The reply to a registration, password change or deletion the auth worker carried out, and
  // what it changes for the session (logged in, or a guest again). Owns `s` as finish_auth does.
  void finish_account_change(net::ConnId id, Session& s, AuthJob::Kind kind,
                             std::uint64_t request_id);
  // From on_closed(): no auth result may touch `s` after this (waits for one finishing).
  void cancel_auth(net::ConnId id, Session& s);
  // Flood control for one decoded request: true to dispatch it; false when it was refused with
  // Error(RATE_LIMITED) (and, for a client that keeps on, a close). From `id`'s own callbacks.
  bool admit(net::ConnId id, Session& s, const proto::Envelope& request,
             TokenBucket::Clock::time_point now);
  // Backpressure on a session whose send queue is over the soft limit: true when its next
  // receive is left to on_send() (it starts one once the queue drains); false to read on now.
  bool park_recv(net::ConnId id, Session& s);
  // The per-address checks for a new connection, its address parsed once: a ban, then the
  // limits. True to serve it; false when it was refused with a fatal error (BANNED,
  // TOO_MANY_CONNECTIONS, CONNECTING_TOO_FAST). From on_accept.
  bool admit_address(net::ConnId id, Session& s, const net::Endpoint& peer);
  // Registers each --operator name not registered yet with the password config.operator_password
  // gives; throws std::runtime_error (the server refuses to start) when it cannot.
  void register_configured_operators();
  void run_housekeeping();

  const ServerConfig config_;
  std::mutex reload_mutex_;
  ServerConfig running_;  // config_ as reloads changed it; guarded by reload_mutex_
  std::unique_ptr<ServerCore> core_;
  // Clients served at once: --max-clients, or fewer where the open-file limit has no room for
  // that many. Set by start() before the workers run; read-only after.
  unsigned client_limit_ = 0;
  std::vector<std::thread> workers_;
  std::thread housekeeping_;
  std::atomic<unsigned> open_connections_{0};  // accepted and not yet on_closed
  std::mutex state_mutex_;
  std::condition_variable state_changed_;  // open_connections_ fell, or housekeeping must stop
  bool stopping_housekeeping_ = false;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace chat::server
