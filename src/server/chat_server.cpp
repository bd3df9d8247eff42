#include "chat_server.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "config_reload.h"
#include "connection_budget.h"
#include "dispatcher.h"
#include "handlers/handlers.h"
#include "heap_release.h"
#include "log.h"
#include "net/thread_name.h"
#include "net/warnings.h"
#include "net/wire/envelope_codec.h"
#include "net/wire/text_escape.h"
#include "operators/operator_commands.h"
#include "server_core.h"
#include "validation.h"

namespace chat::server {
namespace {

// How long a worker sends before it looks for new requests again (on_batch_end). Sends that
// are left wait for the next slice, in order. Each slice ends with one poll of the I/O service,
// a few percent of a slice this long (docs/benchmarks.md, "send slices").
constexpr std::chrono::microseconds kSendSlice{50};

// How far the history held in memory must shrink before the freed heap is given back to the
// system: at least this, and an eighth of the budget, far more than a full budget's own swing
// (HistoryBudget::enforce: a thirty-second), so that it is rooms emptying.
constexpr std::size_t kHeapReleaseStep = 8 * 1024 * 1024;

void log_protobuf_message(std::string_view message) {
  log::debug("protobuf: {}", message);
}

// The error a wire-valid request gets for a non-UTF-8 string, by request and field: a name
// field gets its name error, anything else TEXT_INVALID.
proto::ErrorCode utf8_error_for(const wire::DecodeResult& r) {
  switch (r.body) {
    case proto::Envelope::kJoin:
      return r.field == proto::Join::kNicknameFieldNumber ? proto::NICKNAME_INVALID
                                                          : proto::TEXT_INVALID;
    case proto::Envelope::kWhisper:
      return r.field == proto::Whisper::kToFieldNumber ? proto::NICKNAME_INVALID
                                                       : proto::TEXT_INVALID;
    case proto::Envelope::kBroadcast:
      return r.field == proto::Broadcast::kRoomFieldNumber ? proto::ROOM_NAME_INVALID
                                                           : proto::TEXT_INVALID;
    case proto::Envelope::kJoinRoom:
    case proto::Envelope::kLeaveRoom:
    case proto::Envelope::kUserListRequest:
      return proto::ROOM_NAME_INVALID;
    default:
      return proto::TEXT_INVALID;
  }
}

// An Envelope standing in for a request that could not be parsed: same request_id and body
// case, so the Error names it.
proto::Envelope stand_in_request(const wire::DecodeResult& r) {
  proto::Envelope env;
  env.set_request_id(r.request_id);
  if (const auto* field = proto::Envelope::GetDescriptor()->FindFieldByNumber(r.body)) {
    proto::Envelope::GetReflection()->MutableMessage(&env, field);
  }
  return env;
}

}  // namespace

ChatServer::ChatServer(const ServerConfig& config)
    : config_(config),
      running_(config),
      core_(std::make_unique<ServerCore>(config, static_cast<net::IoHandler&>(*this))) {
  core_->auth_finished = [this](const AuthResult& r) { on_auth_result(r); };
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
  housekeeping_ = net::start_named_thread("chat-housekeep", [this] { run_housekeeping(); });
  started_ = true;
  return bound;
}

void ChatServer::run_housekeeping() {
  std::unique_lock lock(state_mutex_);
  while (!stopping_housekeeping_) {
    state_changed_.wait_for(lock, config_.sweep_interval);
    lock.unlock();
    for (const net::ConnId id : core_->lingering.take_expired(LingerList::Clock::now())) {
      core_->io->close(id);  // the peer never closed its side: stop waiting for it
    }
    if (!core_->shutting_down.load()) {
      check_timeouts(ServerCore::steady_ms());
    }
    core_->addresses.prune(AddressLimits::Clock::now());
    if (core_->history_memory.shrunk_by(
            std::max(kHeapReleaseStep, config_.history_memory_bytes / 8))) {
      release_free_heap();  // rooms emptied: what their history held goes back to the system
    }
    lock.lock();
  }
}

void ChatServer::check_timeouts(std::int64_t now) {
  const std::int64_t handshake = config_.handshake_timeout.count();
  const std::int64_t interval = config_.heartbeat_interval.count();
  const std::int64_t timeout = config_.heartbeat_timeout.count();
  for (unsigned i = 0; i < core_->pool.capacity(); ++i) {
    Session& s = core_->pool.slot(i);
    // The owner first, then accepted_ms (Session::release says why this order is safe): a
    // non-zero accepted_ms means `id` is the connection these fields were read for, or one that
    // has gone, which every queue and expel() refuses. An empty owner is a free slot.
    const net::ConnId id = s.outbox.owner();
    const std::int64_t accepted = s.accepted_ms.load();
    if (accepted == 0 || !id.valid()) {
      continue;
    }
    const std::int64_t silent = now - s.last_heard_ms.load();
    if (handshake > 0 && !s.joined.load() && now - accepted >= handshake) {
      core_->expel(id, CloseReason::handshake_timeout, proto::HANDSHAKE_TIMEOUT,
                   fmt::format("no successful Join within {} ms", handshake));
    } else if (timeout > 0 && silent >= timeout) {
      core_->expel(id, CloseReason::heartbeat_timeout, proto::HEARTBEAT_TIMEOUT,
                   s.frame_incomplete.load()
                       ? fmt::format("a frame stayed incomplete for {} ms", silent)
                       : fmt::format("no frame received for {} ms", silent));
    } else if (interval > 0 && silent >= interval && s.pinged_generation.load() != id.generation) {
      s.pinged_generation.store(id.generation);  // one Ping per silence: a frame clears it
      proto::Envelope ping;
      ping.mutable_ping()->set_nonce(static_cast<std::uint64_t>(now));
      core_->send(id, ping);  // a stale id is dropped by the queue
    }
  }
}

std::vector<std::string> ChatServer::reload(const ServerConfig& next) {
  std::lock_guard lock(reload_mutex_);
  return apply_reload(*core_, running_, next);
}

void ChatServer::run_on_worker(std::function<void()> task) {
  core_->io->post(std::move(task));
}

// ---------------------------------------------------------------- completions

void ChatServer::on_accept(net::ConnId id, const net::Endpoint& peer) {
  open_connections_.fetch_add(1);
  Session& s = core_->pool.at(id);
  // Whispers in: a burst of two seconds' worth, and never less than one whisper of the
  // longest text.
  const double whisper_rate = core_->live.whisper_bytes_per_s();
  const TokenBucket whispers(whisper_rate,
                             std::max(2 * whisper_rate, config_.max_text_bytes + 512.0));
  s.open(id, peer.to_string(), peer.host,
         TokenBucket(core_->live.flood_rate(), core_->live.flood_burst()), whispers,
         ServerCore::steady_ms());
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
    process_bytes(id, data);
  }
  if (begin_auth(id, s)) {
    return;  // on_auth_result() reads on
  }
  read_on(id, s);
}

void ChatServer::read_on(net::ConnId id, Session& s) {
  // Keep reading while closing too, discarding, so the peer's end of stream ends the linger.
  if (!park_recv(id, s)) {
    core_->io->start_recv(id);
  }
}

// ---------------------------------------------------------------- accounts

bool ChatServer::begin_auth(net::ConnId id, Session& s) {
  if (!s.auth) {
    return false;
  }
  if (s.phase == Session::Phase::closing) {
    s.auth.reset();  // closing anyway (a bad frame after it): nothing to check
    s.held_frames.clear();
    return false;
  }
  s.auth_tag.store((std::uint64_t{id.generation} << 2) | Session::auth_pending);
  if (s.expired_for(id)) {
    // Kicked meanwhile. The kick looks at auth_tag after setting the expired tag, this looks at
    // the expired tag after setting auth_tag (both sequentially consistent): at least one of
    // the two sees the other. Here the kick may have freed the nickname, so no registration
    // of it may go ahead.
    s.auth_tag.store(0);
    s.auth.reset();
    s.held_frames.clear();
    return false;
  }
  core_->auth->submit(std::move(s.auth->job));
  return true;  // from here on_auth_result() or on_closed() owns `s`
}

void ChatServer::on_auth_result(const AuthResult& r) {
  Session& s = core_->pool.at(r.conn);
  const std::uint64_t mine = std::uint64_t{r.conn.generation} << 2;
  std::uint64_t expected = mine | Session::auth_pending;
  if (!s.auth_tag.compare_exchange_strong(expected, mine | Session::auth_finishing)) {
    return;  // the connection closed meanwhile (on_closed cancelled the check)
  }
  if (s.expired_for(r.conn)) {
    // Expelled while its password was checked (a timeout, a kick): it is leaving, so a login
    // must not take its nickname over (and kick the account's live session), nor a
    // registration go ahead. Its held frames go with it.
    s.auth.reset();
    s.held_frames.clear();
    s.auth_tag.store(0);
    read_on(r.conn, s);
    return;
  }
  finish_auth(r.conn, s, r);
  if (begin_auth(r.conn, s)) {
    return;  // a held frame asked again; the next result goes on from there
  }
  s.auth_tag.store(0);  // `s` is the connection's own callbacks' again
  read_on(r.conn, s);
}

void ChatServer::finish_auth(net::ConnId id, Session& s, const AuthResult& r) {
  Session::PendingAuth pending = std::move(*s.auth);
  s.auth.reset();
  proto::Envelope req;  // stands in for the request, for its request_id and name in an Error
  req.set_request_id(pending.request_id);
  const bool login = r.kind == AuthJob::Kind::login;
  switch (r.kind) {
    case AuthJob::Kind::login:
      req.mutable_join();
      break;
    case AuthJob::Kind::register_nickname:
      req.mutable_register_nickname();
      break;
    case AuthJob::Kind::change_password:
      req.mutable_change_password();
      break;
    case AuthJob::Kind::delete_account:
      req.mutable_delete_account();
      break;
  }
  switch (r.outcome) {
    case AuthResult::Outcome::ok:
      if (login && !core_->accounts->has_password_hash(r.nickname, r.verified_hash)) {
        // Reset on the console or deleted while it was checked: the password is no longer
        // the account's.
        log::warn("login {} {}: the password of {} changed while it was checked", id, s.peer,
                  r.nickname);
        core_->send_error(id, s, req, proto::LOGIN_FAILED,
                          fmt::format("wrong password for '{}'", r.nickname));
      } else if (login) {
        enter_chat(*core_, id, s, r.nickname, pending.request_id, pending.skip_lobby, true);
        // A reset (or deletion) between the check above and the take-over in enter_chat found
        // no holder to disconnect yet; the take-over is done, so a later one finds this
        // connection. (The reset changes the hash, then looks for holders; this takes the
        // nickname, then looks at the hash: one of the two sees the other.)
        if (!core_->accounts->has_password_hash(r.nickname, r.verified_hash)) {
          core_->expel(id, CloseReason::kicked, proto::KICKED,
                       "the account's password was changed while you logged in");
        }
      } else {
        finish_account_change(id, s, r.kind, pending.request_id);
      }
      break;
    case AuthResult::Outcome::wrong_password:
      log::warn("{} {} {}: wrong password for {}",
                login ? std::string_view("login") : wire::body_name(req.body_case()), id, s.peer,
                r.nickname);
      core_->send_error(id, s, req, proto::LOGIN_FAILED,
                        fmt::format("wrong password for '{}'", r.nickname));
      break;
    case AuthResult::Outcome::throttled:
      log::warn("login {} {}: throttled for {}", id, s.peer, r.nickname);
      core_->send_error(id, s, req, proto::LOGIN_THROTTLED,
                        fmt::format("too many failed logins or too many waiting; try again in {} s",
                                    static_cast<unsigned>(r.retry_after_s + 0.999)));
      break;
    case AuthResult::Outcome::already_registered:
      core_->send_error(id, s, req, proto::ALREADY_REGISTERED,
                        fmt::format("nickname '{}' is registered already", r.nickname));
      break;
    case AuthResult::Outcome::failed:
      core_->send_error(id, s, req,
                        r.kind == AuthJob::Kind::register_nickname ? proto::ALREADY_REGISTERED
                                                                   : proto::LOGIN_FAILED,
                        "the server could not check or store the password; try again later");
      break;
  }
  // The frames that came after the request, in order, now that it is answered.
  std::vector<std::string> held = std::move(s.held_frames);
  s.held_frames.clear();
  const auto now = TokenBucket::Clock::now();
  proto::Envelope scratch;
  for (const std::string& frame : held) {
    const net::ByteSpan body(reinterpret_cast<const std::byte*>(frame.data()), frame.size());
    if (s.phase == Session::Phase::closing || !handle_frame(id, s, body, now, scratch)) {
      break;
    }
  }
}

void ChatServer::finish_account_change(net::ConnId id, Session& s, AuthJob::Kind kind,
                                       std::uint64_t request_id) {
  proto::Envelope reply;
  reply.set_request_id(request_id);
  switch (kind) {
    case AuthJob::Kind::register_nickname:
      s.logged_in = true;
      log::info("register {} {}: nickname {} is registered", id, s.peer, s.nickname);
      reply.mutable_registered()->set_nickname(s.nickname);
      break;
    case AuthJob::Kind::change_password:
      log::info("account {} {}: {} changed its password", id, s.peer, s.nickname);
      reply.mutable_password_changed()->set_nickname(s.nickname);
      break;
    case AuthJob::Kind::delete_account:
      // A guest from now on, still holding the nickname; nobody else can log in to it or take
      // it until this connection leaves (docs/protocol.md, section 7).
      s.logged_in = false;
      log::info("account {} {}: {} deleted its account", id, s.peer, s.nickname);
      reply.mutable_account_deleted()->set_nickname(s.nickname);
      break;
    case AuthJob::Kind::login:
      return;  // enter_chat() answers a login
  }
  core_->send(id, reply);
}

void ChatServer::cancel_auth(net::ConnId id, Session& s) {
  const std::uint64_t mine = std::uint64_t{id.generation} << 2;
  for (;;) {
    std::uint64_t tag = s.auth_tag.load();
    if (tag == (mine | Session::auth_pending)) {
      if (s.auth_tag.compare_exchange_strong(tag, 0)) {
        break;  // on_auth_result() will find it gone
      }
    } else if (tag == (mine | Session::auth_finishing)) {
      std::this_thread::yield();  // finishing on another worker: microseconds
    } else {
      break;
    }
  }
  s.auth_tag.store(0);
  s.auth.reset();
  s.held_frames.clear();
}

bool ChatServer::park_recv(net::ConnId id, Session& s) {
  const std::size_t soft = config_.send_queue_soft_bytes;
  if (soft == 0 || s.outbox.queued_bytes() <= soft) {
    return false;
  }
  s.recv_parked.store(true);
  if (s.outbox.queued_bytes() > soft) {
    log::debug("pause reading {}: {} bytes unsent, over {}", id, s.outbox.queued_bytes(), soft);
    return true;  // on_send() reads on once the queue drains
  }
  // It drained meanwhile. If on_send() saw the flag first, it has started the receive already.
  return !s.recv_parked.exchange(false);
}

void ChatServer::process_bytes(net::ConnId id, net::ByteSpan data) {
  Session& s = core_->pool.at(id);
  // One Envelope per received chunk, cleared for each frame in it. (Not thread_local: objects
  // with destructors in thread_local storage are freed twice at thread exit under mingw.)
  proto::Envelope request;
  const auto now = TokenBucket::Clock::now();  // one reading per chunk is precise enough
  bool heard = false;
  const auto status = s.decoder.feed(data, [&](net::ByteSpan body) {
    heard = true;
    return handle_frame(id, s, body, now, request);
  });
  // Only whole frames are activity for the heartbeat: bytes of one that never completes (a
  // slowloris trickle) are not.
  if (heard) {
    // Relaxed: the sweep wants the value, nothing ordered by it. Stores only when they change
    // anything, so a busy connection does not bounce these cache lines at every chunk.
    s.last_heard_ms.store(ServerCore::steady_ms(), std::memory_order_relaxed);
    if (s.pinged_generation.load(std::memory_order_relaxed) != 0) {
      s.pinged_generation.store(0);
    }
  }
  const bool incomplete = s.decoder.buffered() != 0;
  if (s.frame_incomplete.load(std::memory_order_relaxed) != incomplete) {
    s.frame_incomplete.store(incomplete, std::memory_order_relaxed);
  }
  if (status == net::FrameDecoder::Status::too_large) {
    core_->send_error(id, s, proto::Envelope{}, proto::FRAME_TOO_LARGE,
                      fmt::format("frame is over {} bytes", config_.max_frame_bytes), true);
  }
}

bool ChatServer::handle_frame(net::ConnId id, Session& s, net::ByteSpan body,
                              TokenBucket::Clock::time_point now, proto::Envelope& request) {
  if (s.expired_for(id)) {
    return false;  // closed from another thread (a kick) while this chunk or a login was pending
  }
  if (s.auth) {
    // A password is being checked: what follows waits for its answer (bounded: nothing more is
    // read until then, so at most one receive's worth).
    s.held_frames.emplace_back(reinterpret_cast<const char*>(body.data()), body.size());
    return true;
  }
  request.Clear();
  const wire::DecodeResult r = wire::decode(body, request);
  if (r.status == wire::DecodeStatus::malformed) {
    core_->send_error(id, s, proto::Envelope{}, proto::MALFORMED_FRAME,
                      "frame is not a valid Envelope", true);
    return false;
  }
  const bool admitted = r.status == wire::DecodeStatus::ok ? admit(id, s, request, now)
                                                           : admit(id, s, stand_in_request(r), now);
  if (!admitted) {
    return s.phase != Session::Phase::closing;
  }
  if (r.status == wire::DecodeStatus::invalid_utf8) {
    proto::Envelope stand_in = stand_in_request(r);
    if (r.body == proto::Envelope::kQuit) {
      dispatch(*core_, id, s, stand_in);  // a Quit is honoured; its unreadable reason dropped
      return false;
    }
    core_->send_error(id, s, stand_in, utf8_error_for(r), "a string field is not valid UTF-8");
    return true;
  }
  dispatch(*core_, id, s, request);
  return s.phase != Session::Phase::closing;
}

bool ChatServer::admit(net::ConnId id, Session& s, const proto::Envelope& request,
                       TokenBucket::Clock::time_point now) {
  const auto body = request.body_case();
  if (body == proto::Envelope::kQuit || body == proto::Envelope::kPong || s.flood.take(now)) {
    s.flood_strikes = 0;
    return true;
  }
  if (static_cast<double>(++s.flood_strikes) >= s.flood.burst()) {
    s.record_close(CloseReason::flooding);
    core_->send_error(id, s, request, proto::RATE_LIMITED,
                      "still flooding after a whole burst over the rate limit", true);
  } else {
    core_->send_error(id, s, request, proto::RATE_LIMITED,
                      fmt::format("over {} requests a second (burst {}): dropped; slow down",
                                  s.flood.rate_per_s(), s.flood.burst()));
  }
  return false;
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
  if (s.recv_parked.load() && s.outbox.queued_bytes() <= config_.send_queue_soft_bytes &&
      s.recv_parked.exchange(false)) {
    log::debug("resume reading {}", id);
    core_->io->start_recv(id);
  }
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
  cancel_auth(id, s);
  const CloseReason reason = s.record_close(CloseReason::peer_closed);
  const std::string who = s.nickname.empty() ? s.peer : s.nickname + " " + s.peer;
  core_->leave_chat(id, s);
  if (s.counted) {
    log::info("disconnect {} {}: {}", id, who, to_string(reason));
    core_->clients.fetch_sub(1);
  }
  core_->addresses.release(s.address_key);
  s.release(id, config_.max_frame_bytes, config_.on_slot_releasing);
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
  {
    std::lock_guard guard(state_mutex_);
    stopping_housekeeping_ = true;
  }
  state_changed_.notify_all();
  housekeeping_.join();
  log::info("shutdown complete");
}

}  // namespace chat::server
