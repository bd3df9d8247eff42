#include "chat_connection.h"

#include "net/thread_name.h"
#include "net/wire/envelope_codec.h"

namespace chat::client {
namespace {
// Server-to-client frames have no protocol limit (a UserList grows with the room); this only
// bounds what a broken server could make us buffer.
constexpr std::size_t kMaxServerFrameBytes = 64 * 1024 * 1024;
constexpr std::size_t kMaxQueuedBytes = 64 * 1024 * 1024;
}  // namespace

// ---------------------------------------------------------------- ClientNetwork

ClientNetwork::ClientNetwork(unsigned workers, unsigned max_connections,
                             const std::string& io_backend, std::chrono::microseconds busy_poll,
                             ClientTransport transport)
    : framing_(transport.framing),
      by_index_(std::make_unique<std::atomic<ChatConnection*>[]>(max_connections)),
      slots_(max_connections) {
  net::IoConfig config;
  config.max_connections = max_connections;
  config.backend = io_backend;
  config.busy_poll = busy_poll;
  auto& handler = static_cast<net::IoHandler&>(*this);
  io_ = transport.io_factory ? transport.io_factory(handler, config)
                             : net::make_io_service(handler, config);
  for (unsigned i = 0; i < std::max(1u, workers); ++i) {
    workers_.push_back(
        net::start_named_thread("client-io-" + std::to_string(i), [this] { io_->run(); }));
  }
}

ClientNetwork::~ClientNetwork() {
  io_->stop();
  for (std::thread& t : workers_) {
    t.join();
  }
}

ChatConnection* ClientNetwork::find(net::ConnId id) {
  if (id.index >= slots_) {
    return nullptr;
  }
  ChatConnection* c = by_index_[id.index].load(std::memory_order_acquire);
  if (c == nullptr) {
    // A completion can only outrun its connect()'s registration by the time the registration
    // holds this lock: wait for it, then look again.
    std::lock_guard lock(connect_mutex_);
    c = by_index_[id.index].load(std::memory_order_acquire);
  }
  return c;
}

void ClientNetwork::on_accept(net::ConnId id, const net::Endpoint&) {
  io_->close(id);
}

void ClientNetwork::on_connect(net::ConnId id, std::error_code ec) {
  if (ChatConnection* c = find(id)) {
    c->handle_connect(ec);
  }
}

void ClientNetwork::on_recv(net::ConnId id, net::ByteSpan data, std::error_code ec) {
  if (ChatConnection* c = find(id)) {
    c->handle_recv(data, ec);
  }
}

void ClientNetwork::on_send(net::ConnId id, std::error_code ec) {
  if (ChatConnection* c = find(id)) {
    c->handle_send(ec);
  }
}

void ClientNetwork::on_closed(net::ConnId id) {
  ChatConnection* c = find(id);
  by_index_[id.index].store(nullptr, std::memory_order_release);
  if (c != nullptr) {
    c->handle_closed();  // may be the last touch: the owner can destroy it right after
  }
}

// ---------------------------------------------------------------- ChatConnection

ChatConnection::ChatConnection(ClientNetwork& network, EnvelopeHandler on_envelope,
                               CloseHandler on_close)
    : network_(network),
      on_envelope_(std::move(on_envelope)),
      on_close_(std::move(on_close)),
      outbox_(kMaxQueuedBytes),
      framing_(net::make_framing(network.framing_, kMaxServerFrameBytes)) {}

ChatConnection::~ChatConnection() {
  close();
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return state_ == State::idle || state_ == State::closed; });
}

std::error_code ChatConnection::connect(const net::Endpoint& to, std::chrono::milliseconds timeout,
                                        const net::Endpoint& from) {
  if (const std::error_code ec = start_connect(to, from, nullptr)) {
    return ec;
  }
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return state_ != State::connecting; })) {
    lock.unlock();
    network_.io_->close(id_);
    return std::make_error_code(std::errc::timed_out);
  }
  return state_ == State::open ? std::error_code{} : connect_error_;
}

std::error_code ChatConnection::start_connect(const net::Endpoint& to, const net::Endpoint& from,
                                              ConnectHandler done) {
  // Registered under the connect lock, so the completion cannot look us up before we exist, and
  // under our own lock until our state says "connecting": a completion that finds us early
  // waits in handle_connect() instead of being overwritten by the state it should follow.
  std::lock_guard registering(network_.connect_mutex_);
  std::lock_guard lock(mutex_);
  std::error_code ec;
  const net::ConnId id = network_.io_->connect(to, from, ec);
  if (ec) {
    return ec;
  }
  id_ = id;
  state_ = State::connecting;
  on_connect_ = std::move(done);
  network_.by_index_[id.index].store(this, std::memory_order_release);
  return {};
}

void ChatConnection::handle_connect(std::error_code ec) {
  ConnectHandler done;
  {
    std::lock_guard lock(mutex_);
    done = std::move(on_connect_);
    if (ec) {
      connect_error_ = ec;
      close_reason_ = "connect failed: " + ec.message();
      network_.io_->close(id_);  // handle_closed() ends the connecting state
    } else {
      outbox_.open(id_);
      last_received_ticks_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                                 std::memory_order_relaxed);
      state_ = State::open;
      changed_.notify_all();
    }
  }
  if (done) {
    done(ec);  // before the first receive starts, so it comes before any envelope
  }
  if (!ec) {
    std::lock_guard lock(mutex_);
    start_recv_locked();
  }
}

void ChatConnection::start_recv_locked() {
  if (receiving_paused_) {
    recv_parked_ = true;
    return;
  }
  network_.io_->start_recv(id_);
}

void ChatConnection::handle_recv(net::ByteSpan data, std::error_code ec) {
  if (ec || data.empty()) {
    // The server ends a stream only after whole frames; a cut frame means the path broke.
    fail(ec                          ? "connection lost: " + ec.message()
         : framing_->buffered() != 0 ? "server closed the connection inside a frame"
                                     : "server closed the connection");
    return;
  }
  const auto received = std::chrono::steady_clock::now();
  last_received_ticks_.store(received.time_since_epoch().count(), std::memory_order_relaxed);
  proto::Envelope env;
  bool malformed = false;
  auto on_frame = [&](net::ByteSpan body) {
    if (frame_filter_ && frame_filter_(body, received)) {
      return true;
    }
    env.Clear();
    if (wire::decode(body, env).status != wire::DecodeStatus::ok) {
      malformed = true;
      return false;
    }
    if (env.has_ping() && env.request_id() == 0) {
      // The server's heartbeat: answering it is what keeps an idle connection open.
      proto::Envelope pong;
      pong.mutable_pong()->set_nonce(env.ping().nonce());
      send(pong);
    }
    on_envelope_(env);
    return true;
  };
  const auto status = framing_->feed(data, on_frame);
  if (malformed || status != net::Framing::Status::ok) {
    fail("malformed frame from server");
    return;
  }
  std::lock_guard lock(mutex_);
  start_recv_locked();
}

void ChatConnection::handle_send(std::error_code ec) {
  if (ec) {
    fail("send failed: " + ec.message());
  } else if (outbox_.on_sent(*network_.io_) == net::SendQueue::After::close_now) {
    network_.io_->shutdown_send(id_);
  }
}

void ChatConnection::handle_closed() {
  outbox_.reset();
  std::string reason;
  {
    std::lock_guard lock(mutex_);
    reason = close_reason_.empty() ? "closed" : close_reason_;
  }
  if (on_close_) {
    on_close_(reason);
  }
  std::lock_guard lock(mutex_);
  state_ = State::closed;
  changed_.notify_all();  // the owner may destroy us as soon as the lock is released
}

void ChatConnection::fail(std::string reason) {
  std::lock_guard lock(mutex_);
  if (close_reason_.empty()) {
    close_reason_ = std::move(reason);
  }
  network_.io_->close(id_);
}

bool ChatConnection::push(net::SharedBytes frame) {
  net::ConnId id;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::open) {
      return false;
    }
    id = id_;
  }
  switch (outbox_.push(id, std::move(frame))) {
    case net::SendQueue::Push::needs_flush:
      outbox_.flush(id, *network_.io_);
      return true;
    case net::SendQueue::Push::queued:
      return true;
    case net::SendQueue::Push::overflow:
      fail("send queue overflow");
      return false;
    case net::SendQueue::Push::closed:
      return false;
  }
  return false;
}

bool ChatConnection::send(const proto::Envelope& env) {
  return push(wire::encode(env, framing_->kind()));
}

bool ChatConnection::send_raw(std::string bytes) {
  return push(std::make_shared<const std::string>(std::move(bytes)));
}

void ChatConnection::finish_sending() {
  net::ConnId id;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::open) {
      return;
    }
    id = id_;
  }
  if (outbox_.close_when_drained() == net::SendQueue::After::close_now) {
    network_.io_->shutdown_send(id);
  }
}

void ChatConnection::close(std::string reason) {
  std::lock_guard lock(mutex_);
  if (state_ == State::open || state_ == State::connecting) {
    if (close_reason_.empty()) {
      close_reason_ = std::move(reason);
    }
    network_.io_->close(id_);
  }
}

void ChatConnection::pause_receiving() {
  std::lock_guard lock(mutex_);
  receiving_paused_ = true;
}

void ChatConnection::resume_receiving() {
  std::lock_guard lock(mutex_);
  receiving_paused_ = false;
  if (recv_parked_) {
    recv_parked_ = false;
    if (state_ == State::open) {
      network_.io_->start_recv(id_);
    }
  }
}

bool ChatConnection::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return state_ == State::closed; });
}

bool ChatConnection::is_open() const {
  std::lock_guard lock(mutex_);
  return state_ == State::open;
}

std::chrono::steady_clock::time_point ChatConnection::last_received() const {
  using clock = std::chrono::steady_clock;
  return clock::time_point(clock::duration(last_received_ticks_.load(std::memory_order_relaxed)));
}

}  // namespace chat::client
