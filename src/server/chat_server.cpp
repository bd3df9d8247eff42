#include "chat_server.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "auth_handover.h"
#include "config_reload.h"
#include "connection_budget.h"
#include "delivery.h"
#include "handlers/handlers.h"
#include "housekeeping.h"
#include "log.h"
#include "net/thread_name.h"
#include "net/warnings.h"
#include "net/wire/envelope_codec.h"
#include "net/wire/text_escape.h"
#include "operators/operator_commands.h"
#include "request_intake.h"
#include "server_core.h"
#include "validation.h"

namespace chat::server {
namespace {

// How long a worker sends before it looks for new requests again (on_batch_end). Sends that
// are left wait for the next slice, in order. Each slice ends with one poll of the I/O service,
// a few percent of a slice this long (docs/benchmarks.md, "send slices").
constexpr std::chrono::microseconds kSendSlice{50};

void log_protobuf_message(std::string_view message) {
  log::debug("protobuf: {}", message);
}

}  // namespace

ChatServer::ChatServer(const ServerConfig& config)
    : config_(config),
      running_(config),
      core_(std::make_unique<ServerCore>(config, static_cast<net::IoHandler&>(*this))),
      intake_(std::make_unique<RequestIntake>(*core_)),
      auth_(std::make_unique<AuthHandover>(*core_, *intake_)),
      housekeeping_(std::make_unique<Housekeeping>(*core_)) {
  core_->auth_finished = [this](const AuthResult& r) { auth_->on_result(r); };
}

void ChatServer::set_shutdown_handler(std::function<void(const std::string& reason)> handler) {
  core_->shutdown_requested = std::move(handler);
}

std::vector<std::string> ChatServer::run_console_command(const std::string& line) {
  ConsoleAnswer answer = answer_console_command(line, {});
  if (!answer.secret_prompts.empty()) {
    return {"error: that command reads a password on the server's console"};
  }
  return std::move(answer.lines);
}

ConsoleAnswer ChatServer::answer_console_command(const std::string& line,
                                                 const std::vector<std::string>& secrets) {
  OperatorResult result = run_operator_command(*core_, "console", true, line, secrets);
  if (!result.secret_prompts.empty()) {
    return ConsoleAnswer{{}, std::move(result.secret_prompts)};
  }
  if (!result.ok && !result.lines.empty()) {
    result.lines.front() = "error: " + result.lines.front();
  }
  if (result.after_reply) {
    result.after_reply();
  }
  // Lines quote what clients chose (nicknames, reasons, commands): never raw on a terminal.
  for (std::string& out : result.lines) {
    out = wire::escape_text(out, wire::EscapeOptions{log::kMaxMessageBytes, false, false});
  }
  return ConsoleAnswer{std::move(result.lines), {}};
}

ChatServer::~ChatServer() {
  shutdown();
}

std::size_t ChatServer::history_bytes() const {
  return core_->history_memory.bytes();
}

unsigned ChatServer::client_count() const {
  return core_->clients.load();
}

void ChatServer::register_configured_operators() {
  for (const std::string& name : config_.operators) {
    if (core_->accounts->is_registered(name)) {
      continue;
    }
    if (check_name(name, config_.max_nickname_bytes) != NameCheck::ok) {
      throw std::runtime_error(fmt::format("--operator '{}' is not a valid nickname", name));
    }
    const auto refuse = [&](std::string_view why) {
      return std::runtime_error(fmt::format(
          "--operator {} is not a registered nickname{}: whoever registered it first would "
          "become an operator. Register it first (join as {} and /register), or start the "
          "server with its console and type its password when asked",
          name, why, name));
    };
    if (!config_.operator_password) {
      throw refuse("");
    }
    const std::optional<std::string> password = config_.operator_password(name);
    if (!password) {
      throw refuse(" and no password was given for it");
    }
    if (password->size() < kMinPasswordBytes || password->size() > kMaxPasswordBytes) {
      throw refuse(fmt::format(" and its password must have {} to {} bytes", kMinPasswordBytes,
                               kMaxPasswordBytes));
    }
    core_->accounts->add(name, hash_password(*password, config_.password_cost));
    log::info("--operator {}: registered with the password given on the console", name);
  }
}

net::Endpoint ChatServer::start() {
  register_configured_operators();
  // Past the open-file limit, accepts fail and the connections are dropped unanswered; below
  // it, the extra ones are told SERVER_FULL. So serve no more clients than the limit holds.
  const unsigned open_files =
      net::raise_open_file_limit(core_->pool.capacity() + kDescriptorsBesidesConnections);
  client_limit_ = std::min(config_.max_clients, clients_within_open_file_limit(open_files));
  if (client_limit_ == 0) {
    throw std::runtime_error(fmt::format(
        "the open-file limit ({}) leaves no room for clients: raise it (ulimit -n)", open_files));
  }
  if (client_limit_ < config_.max_clients) {
    log::warn(
        "the open-file limit ({}) holds {} clients, fewer than --max-clients {}: the others are "
        "told SERVER_FULL. Raise it (ulimit -n, or LimitNOFILE= under systemd) to serve more",
        open_files, client_limit_, config_.max_clients);
  }
  wire::set_protobuf_log_sink(&log_protobuf_message);
  // What the net layer recovers from on its own (a failed accept or registration) is logged
  // with everything else, timestamped and escaped.
  net::set_warning_sink([](std::string_view message) { log::warn("net: {}", message); });

  net::Endpoint bound;
  std::error_code ec;
  if (config_.port) {
    ec = core_->io->listen({config_.host, *config_.port}, &bound);
  } else {
    // The first free port of the default range: predictable for users, no clash with a second
    // server started next to it.
    for (unsigned p = ServerConfig::kDefaultPortFirst; p <= ServerConfig::kDefaultPortLast; ++p) {
      ec = core_->io->listen({config_.host, static_cast<std::uint16_t>(p)}, &bound);
      if (ec != std::errc::address_in_use) {
        break;
      }
    }
  }
  if (ec) {
    throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", config_.host,
                                         config_.port ? std::to_string(*config_.port) : "15410+",
                                         ec.message()));
  }
  const unsigned n = config_.workers != 0 ? config_.workers : net::default_worker_count();
  log::info("listening on {} ({} backend, {} workers, max {} clients)", bound.to_string(),
            core_->io->backend_name(), n, client_limit_);
  if (core_->history) {
    log::info("history in {} (replay {}, {} bytes in memory, keep {} per room for {} days)",
              config_.db_path, config_.history_replay, config_.history_memory_bytes,
              config_.keep_messages, config_.keep_days);
  } else {
    log::info("history not stored (--db \"\"); replay {} from memory, at most {} bytes",
              config_.history_replay, config_.history_memory_bytes);
  }
  for (unsigned i = 0; i < n; ++i) {
    workers_.push_back(net::start_named_thread("chat-io-" + std::to_string(i), [this] {
      // Sends queued by this worker's callbacks start at the end of each batch of completions
      // (on_batch_end), one per recipient, however many frames the batch queued to it.
      FlushBatch batch(core_->pool, *core_->io);
      core_->io->run();
    }));
  }
  housekeeping_->start();
  started_ = true;
  return bound;
}

// ---------------------------------------------------------------- completions

void ChatServer::check_timeouts(std::int64_t now) {
  housekeeping_->check_timeouts(now);
}

std::vector<std::string> ChatServer::reload(const ServerConfig& next) {
  std::lock_guard lock(reload_mutex_);
  return apply_reload(*core_, running_, next);
}

void ChatServer::run_on_worker(std::function<void()> task) {
  core_->io->post(std::move(task));
}

void ChatServer::on_accept(net::ConnId id, const net::Endpoint& peer) {
  open_connections_.fetch_add(1);
  Session& s = core_->pool.at(id);
  // Whispers in: a burst of two seconds' worth, and never less than one whisper of the
  // longest text.
  const SessionLimits limits = core_->live.session_limits();
  const double whisper_rate = limits.whisper_bytes_per_s;
  const TokenBucket whispers(whisper_rate,
                             std::max(2 * whisper_rate, config_.max_text_bytes + 512.0));
  s.open(id, peer.to_string(), peer.host, TokenBucket(limits.flood_rate, limits.flood_burst),
         whispers, ServerCore::steady_ms());
  if (core_->shutting_down.load()) {
    core_->notify_shutdown(id, s);  // accepted just as shutdown began: it hears why, too
    core_->io->start_recv(id);
    return;
  }
  if (!admit_address(id, s, peer)) {
    core_->io->start_recv(id);
    return;
  }
  if (core_->clients.fetch_add(1) >= client_limit_) {
    core_->clients.fetch_sub(1);
    core_->addresses.release(s.address_key);
    s.address_key.clear();
    log::warn("reject {} {}: server full ({} clients)", id, s.peer, client_limit_);
    core_->send_error(id, s, proto::Envelope{}, proto::SERVER_FULL,
                      fmt::format("the server is full ({} clients)", client_limit_), true);
    s.record_close(CloseReason::server_full);
  } else {
    s.counted = true;
    log::info("connect {} from {}", id, s.peer);
  }
  core_->io->start_recv(id);
}

bool ChatServer::admit_address(net::ConnId id, Session& s, const net::Endpoint& peer) {
  const auto refuse = [&](proto::ErrorCode code, const std::string& why, CloseReason reason) {
    log::warn("reject {} {}: {}", id, s.peer, why);
    core_->send_error(id, s, proto::Envelope{}, code, why, true);
    s.record_close(reason);
    return false;
  };
  const std::string key = address_key(peer.host);
  // Bans apply to loopback too: only the limits below exempt it.
  if (const auto ban = core_->accounts->banned(Ban::Kind::address, key, ServerCore::now_ms())) {
    return refuse(proto::BANNED, describe_ban(*ban), CloseReason::banned);
  }
  const std::string counted = config_.limit_loopback || !is_loopback(peer.host) ? key : "";
  const auto verdict = core_->addresses.admit(counted, AddressLimits::Clock::now());
  if (verdict == AddressLimits::Verdict::admitted) {
    s.address_key = counted;  // released on close
    return true;
  }
  if (verdict == AddressLimits::Verdict::too_many_connections) {
    return refuse(proto::TOO_MANY_CONNECTIONS,
                  fmt::format("too many connections from your address (at most {} at once)",
                              core_->addresses.limits().first),
                  CloseReason::address_limit);
  }
  return refuse(proto::CONNECTING_TOO_FAST,
                fmt::format("connecting too fast from your address (at most {} a second)",
                            core_->addresses.limits().second),
                CloseReason::address_limit);
}

void ChatServer::on_connect(net::ConnId id, std::error_code) {
  core_->io->close(id);
}

void ChatServer::on_recv(net::ConnId id, net::ByteSpan data, std::error_code ec) {
  Session& s = core_->pool.at(id);
  if (const auto why = s.expiry_for(id)) {
    s.record_close(*why);  // before an end of stream records "closed by client"
  }
  if (ec) {
    s.record_close(CloseReason::connection_error);
    core_->io->close(id);
    return;
  }
  if (data.empty()) {
    // End of stream: the client is done sending but may still read (a half-close), so it
    // gets the replies already queued before we close.
    s.peer_eof.store(true);
    if (s.phase == Session::Phase::closing) {
      // Lingering after our half-close: this is what we waited for. Still draining our queue:
      // half_close() sees peer_eof when it drains and closes then, so no reply is cut off.
      if (s.half_closed.load()) {
        core_->io->close(id);
      }
    } else {
      core_->close_gracefully(id, s, CloseReason::peer_closed);
    }
    return;
  }
  if (s.phase != Session::Phase::closing && !s.expired_for(id)) {
    intake_->process_bytes(id, s, data);
  }
  if (auth_->begin(id, s)) {
    return;  // AuthHandover::on_result() reads on
  }
  intake_->read_on(id, s);
}

void ChatServer::on_send(net::ConnId id, std::error_code ec) {
  Session& s = core_->pool.at(id);
  if (ec) {
    s.record_close(CloseReason::connection_error);
    core_->io->close(id);
    return;
  }
  if (s.outbox.on_sent(*core_->io) == net::SendQueue::After::close_now) {
    core_->half_close(id);
  }
  intake_->on_send_drained(id, s);
}

bool ChatServer::on_batch_end() {
  // A broadcast to a big room is one send per member: 200 sends take more than a millisecond
  // on a small machine. Started all at once, a message that arrives just after they begin waits
  // for all of them and then for its own round. In slices, the worker reads between them, and
  // a new frame for a member still waiting leaves with that member's send of this round.
  FlushBatch* batch = FlushBatch::current();
  return batch != nullptr && batch->flush_for(kSendSlice);
}

void ChatServer::on_closed(net::ConnId id) {
  Session& s = core_->pool.at(id);
  if (const auto why = s.expiry_for(id)) {
    s.record_close(*why);
  }
  auth_->cancel(id, s);
  const CloseReason reason = s.record_close(CloseReason::peer_closed);
  const std::string who = s.nickname.empty() ? s.peer : s.nickname + " " + s.peer;
  core_->leave_chat(id, s);
  if (s.counted) {
    log::info("disconnect {} {}: {}", id, who, to_string(reason));
    core_->clients.fetch_sub(1);
  }
  core_->addresses.release(s.address_key);
  s.release(id, config_.on_slot_releasing);
  {
    std::lock_guard lock(state_mutex_);
    open_connections_.fetch_sub(1);
  }
  state_changed_.notify_all();
}

// ---------------------------------------------------------------- shutdown

void ChatServer::shutdown(const std::string& reason) {
  if (!started_ || stopped_) {
    return;
  }
  stopped_ = true;
  core_->set_shutdown_reason(reason);  // before anyone can be sent the notice
  core_->shutting_down.store(true);
  core_->io->stop_accepting();
  log::info("shutdown: no longer accepting; notifying {} connections", open_connections_.load());

  for (unsigned i = 0; i < core_->pool.capacity(); ++i) {
    Session& s = core_->pool.slot(i);
    const net::ConnId id = s.outbox.owner();
    if (id.valid()) {
      core_->notify_shutdown(id, s);
    }
  }

  std::unique_lock lock(state_mutex_);
  const bool drained = state_changed_.wait_for(lock, config_.shutdown_grace,
                                               [&] { return open_connections_.load() == 0; });
  lock.unlock();
  if (!drained) {
    log::warn("shutdown: {} connections did not close within {} ms; closing them",
              open_connections_.load(), config_.shutdown_grace.count());
    for (unsigned i = 0; i < core_->pool.capacity(); ++i) {
      core_->io->close(core_->pool.slot(i).outbox.owner());
    }
    lock.lock();
    state_changed_.wait_for(lock, std::chrono::seconds(2),
                            [&] { return open_connections_.load() == 0; });
    lock.unlock();
  }

  core_->io->stop();
  for (std::thread& t : workers_) {
    t.join();
  }
  workers_.clear();
  housekeeping_->stop();
  log::info("shutdown complete");
}

}  // namespace chat::server
