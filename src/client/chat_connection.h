// Public header. The client core shared by chat_client and chat_bot: connections to a chat
// server over the net layer, speaking Envelopes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chat.pb.h"
#include "net/framing.h"
#include "net/io_service.h"
#include "net/send_queue.h"

namespace chat::client {

class ChatConnection;

// How a client's connections reach the server: the I/O service (make_io_service's backend, or
// a transport's own, e.g. a TLS filter over it) and the framing on its bytes (net/framing.h).
struct ClientTransport {
  net::IoFactory io_factory;  // unset: net::make_io_service
  net::FramingKind framing = net::FramingKind::length_prefix;
};

// The I/O service and worker threads that many ChatConnections share (one for the console
// client, thousands of connections on a few threads for the bot).
class ClientNetwork final : private net::IoHandler {
 public:
  // Starts `workers` threads on the I/O backend `io_backend` (see net::IoConfig::backend and,
  // for `busy_poll`, IoConfig::busy_poll); throws std::runtime_error if that backend cannot
  // run. `transport`: how the connections reach the server (the I/O factory hook).
  // Thread contract: construct and destroy on one thread; destroy only after every
  // ChatConnection using it is destroyed.
  explicit ClientNetwork(unsigned workers = 1, unsigned max_connections = 64,
                         const std::string& io_backend = "auto",
                         std::chrono::microseconds busy_poll = {}, ClientTransport transport = {});
  ~ClientNetwork() override;
  ClientNetwork(const ClientNetwork&) = delete;
  ClientNetwork& operator=(const ClientNetwork&) = delete;

 private:
  friend class ChatConnection;
  void on_accept(net::ConnId id, const net::Endpoint& peer) override;
  void on_connect(net::ConnId id, std::error_code ec) override;
  void on_recv(net::ConnId id, net::ByteSpan data, std::error_code ec) override;
  void on_send(net::ConnId id, std::error_code ec) override;
  void on_closed(net::ConnId id) override;
  ChatConnection* find(net::ConnId id);

  const net::FramingKind framing_;
  std::unique_ptr<net::IoService> io_;
  // The connection in each slot of the I/O service's table. Written when a connect starts and
  // when on_closed() ends the slot's connection; read by every completion, without a lock (a
  // slot's callbacks all come between those two writes).
  std::unique_ptr<std::atomic<ChatConnection*>[]> by_index_;
  std::size_t slots_ = 0;
  std::mutex connect_mutex_;  // a connect registers its slot before its completion can look
  std::vector<std::thread> workers_;
};

// One connection to a chat server. Callbacks run on a ClientNetwork worker thread, one at a time
// for this connection; every public method is thread-safe. It answers the server's heartbeat
// Pings by itself (and still hands them to the envelope handler).
class ChatConnection {
 public:
  using EnvelopeHandler = std::function<void(const proto::Envelope&)>;
  using CloseHandler = std::function<void(const std::string& reason)>;

  ChatConnection(ClientNetwork& network, EnvelopeHandler on_envelope, CloseHandler on_close);
  // Closes the connection if open and waits until the network is done with it.
  ~ChatConnection();
  ChatConnection(const ChatConnection&) = delete;
  ChatConnection& operator=(const ChatConnection&) = delete;

  // Connects (from the local address `from`; empty host: any), blocking up to `timeout`. Call
  // once (or start_connect() once).
  std::error_code connect(const net::Endpoint& to, std::chrono::milliseconds timeout,
                          const net::Endpoint& from = net::Endpoint{});
  // Starts connecting from the local address `from` (empty host: any) and returns at once; an
  // error here means it could not even start. `done` runs once on a network thread with the
  // outcome, before anything is received. For clients opening thousands of connections.
  using ConnectHandler = std::function<void(std::error_code)>;
  std::error_code start_connect(const net::Endpoint& to, const net::Endpoint& from,
                                ConnectHandler done);
  // Sees each frame's body before it is parsed, on a network thread, with the time the bytes
  // were received; returning true means it handled the frame, and no Envelope is built for it.
  // For load tests that read their busiest frames without allocating. Call before connecting.
  using FrameFilter =
      std::function<bool(net::ByteSpan body, std::chrono::steady_clock::time_point received)>;
  void set_frame_filter(FrameFilter filter) { frame_filter_ = std::move(filter); }
  // Queues one Envelope; false if the connection is not open.
  bool send(const proto::Envelope& env);
  // Queues raw bytes as they are (tests use it to send malformed frames).
  bool send_raw(std::string bytes);
  // After everything queued is sent, closes our sending side; the server sees end of stream.
  void finish_sending();
  // Closes at once (abortive). on_close runs with `reason` (unless the connection had failed
  // already, with a reason of its own).
  void close(std::string reason = "closed by client");
  // Stops reading: once the receive in flight (if any) completes, no next one starts, so the
  // server's data waits in the socket buffers and then in the server's queue for us. For load
  // tests (a slow reader) and tests. May be called before connect().
  void pause_receiving();
  // Reads again after pause_receiving().
  void resume_receiving();
  // Waits until the connection is closed; false on timeout.
  bool wait_closed(std::chrono::milliseconds timeout);
  bool is_open() const;
  // When data last arrived from the server (or the connection opened, before any did).
  std::chrono::steady_clock::time_point last_received() const;

 private:
  friend class ClientNetwork;
  enum class State { idle, connecting, open, closed };

  bool push(net::SharedBytes frame);
  void handle_connect(std::error_code ec);
  void handle_recv(net::ByteSpan data, std::error_code ec);
  void start_recv_locked();  // the next receive, unless paused
  void handle_send(std::error_code ec);
  void handle_closed();
  void fail(std::string reason);

  ClientNetwork& network_;
  EnvelopeHandler on_envelope_;
  CloseHandler on_close_;
  ConnectHandler on_connect_;
  FrameFilter frame_filter_;
  net::SendQueue outbox_;
  // Inbound framing, touched only by this connection's recv callbacks.
  std::unique_ptr<net::Framing> framing_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  State state_ = State::idle;
  net::ConnId id_;
  std::error_code connect_error_;
  std::string close_reason_;
  bool receiving_paused_ = false;  // pause_receiving() asked for it
  bool recv_parked_ = false;       // paused with no receive in flight: resume must start one
  // steady_clock ticks of the last arrival, for last_received(): written by receives, read by
  // anyone, so an atomic rather than a field under mutex_ that every receive would have to take.
  std::atomic<std::int64_t> last_received_ticks_{0};
};

}  // namespace chat::client
