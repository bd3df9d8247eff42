#include "server_core.h"

#include <algorithm>

#include "connection_budget.h"
#include "log.h"
#include "net/wire/envelope_codec.h"
#include "storage/open_storage.h"
#include "unix_time.h"
#include "validation.h"

namespace chat::server {
namespace {

// Presence{LEFT}.reason for a session closed for `why`.
std::string presence_reason(CloseReason why, const std::string& quit_text) {
  if (why == CloseReason::quit) {
    return quit_text.empty() ? "quit" : "quit: " + quit_text;
  }
  return std::string("disconnect: ") + to_string(why);
}

}  // namespace

void LingerList::add(net::ConnId id, Clock::time_point deadline) {
  std::lock_guard lock(mutex_);
  entries_.emplace_back(id, deadline);
}

std::vector<net::ConnId> LingerList::take_expired(Clock::time_point now) {
  std::vector<net::ConnId> expired;
  std::lock_guard lock(mutex_);
  const auto keep = std::partition(entries_.begin(), entries_.end(),
                                   [&](const auto& e) { return e.second > now; });
  for (auto it = keep; it != entries_.end(); ++it) {
    expired.push_back(it->first);
  }
  entries_.erase(keep, entries_.end());
  return expired;
}

namespace {
std::string slow_reader_message(const ServerConfig& cfg) {
  return fmt::format(
      "you fell more than {} bytes behind in reading (the server's send queue "
      "limit): closing",
      cfg.max_send_queue_bytes);
}

wire::FramedMessage slow_reader_notice(const ServerConfig& cfg) {
  proto::Envelope env;
  auto* e = env.mutable_error();
  e->set_code(proto::SLOW_READER);
  e->set_fatal(true);
  e->set_message(slow_reader_message(cfg));
  return wire::FramedMessage(env);
}

net::IoConfig io_config_for(const ServerConfig& cfg) {
  net::IoConfig io;
  io.max_connections = connection_slots_for(cfg.max_clients);
  io.posted_accepts = cfg.posted_accepts;
  io.backend = cfg.io_backend;
  return io;
}
}  // namespace

ServerCore::ServerCore(const ServerConfig& cfg, net::IoHandler& handler)
    : config(cfg),
      live(cfg),
      io(cfg.io_factory ? cfg.io_factory(handler, io_config_for(cfg))
                        : net::make_io_service(handler, io_config_for(cfg))),
      pool(
          io_config_for(cfg).max_connections, cfg.max_frame_bytes, cfg.max_send_queue_bytes,
          slow_reader_notice(cfg), [this](net::ConnId id) { cut_off(id); }, cfg.framing),
      history(open_message_log(cfg,
                               // Uses only the pool and the I/O service, constructed before it.
                               [this](const std::vector<Stored>& batch, bool committed) {
                                 on_stored(batch, committed);
                               })),
      history_memory(cfg.history_memory_bytes),
      rooms(ServerConfig::kLobby,
            RoomHistory{
                history.get(), cfg.history_replay,
                // half the send queue limit, in messages of the longest text
                std::max<std::size_t>(1, cfg.max_send_queue_bytes / 2 / (cfg.max_text_bytes + 256)),
                &history_memory}),
      addresses(cfg.max_connections_per_ip, cfg.connects_per_ip_per_s),
      accounts(open_account_store(cfg)),
      mutes(*accounts),
      auth(std::make_unique<AuthWorker>(*accounts, cfg.password_cost, cfg.login_limits,
                                        cfg.registration_limits, cfg.auth_threads,
                                        cfg.auth_priority, [this](AuthResult r) {
                                          // On the auth thread (or the submitting worker): the
                                          // connection's chat state is finished on a worker.
                                          io->post([this, r = std::move(r)] {
                                            if (auth_finished) {
                                              auth_finished(r);
                                            }
                                          });
                                        })) {
  for (const std::string& name : cfg.operators) {
    accounts->give_operator_for_this_run(name);
  }
  set_shutdown_reason("");
  if (history) {
    next_msg_id.store(history->last_msg_id() + 1);  // ids stay unique across restarts
  }
}

void ServerCore::set_shutdown_reason(const std::string& reason) {
  proto::Envelope notice;
  notice.mutable_notice()->set_kind(proto::Notice::SHUTDOWN);
  notice.mutable_notice()->set_text(reason.empty() ? "server shutting down"
                                                   : "server shutting down: " + reason);
  shutdown_notice = wire::FramedMessage(notice);
}

bool ServerCore::is_operator(const Session& s) const {
  return s.logged_in && has_operator_role(s.nickname);
}

bool ServerCore::has_operator_role(const std::string& nickname) const {
  return accounts->is_operator(nickname);
}

void ServerCore::kick(const NicknameRegistry::Holder& who, CloseReason reason,
                      std::string message) {
  expel(who.id, reason, reason == CloseReason::banned ? proto::BANNED : proto::KICKED,
        std::move(message));
}

void ServerCore::expel(net::ConnId id, CloseReason reason, proto::ErrorCode code,
                       std::string message) {
  Session& victim = pool.at(id);
  if (!expire(id, victim, reason, code, std::move(message))) {
    return;  // gone already
  }
  // By id only: the session's own fields (its rooms, its nickname) belong to its callbacks,
  // whose leave_chat() at the close then finds nothing left to leave. One that never joined
  // is in no room (enter_chat sets `joined` before its first room join, and that join checks
  // the expired tag set above), so a handshake timeout does not walk every room.
  if (victim.joined.load()) {
    const std::string why = presence_reason(reason, "");
    Delivery out(pool, *io);
    rooms.leave_all(id, shutting_down.load() ? nullptr : &why, out);
  }
  // Frames it sent meanwhile are dropped (handle_frame), its joins refused (RoomDirectory::join)
  // and its messages too (Room::publish), all by the expired tag set above. But while a password
  // of its is being checked, the nickname stays held until the close: a registration finishing
  // after the kick must not give the account to the kicked client while someone else holds it.
  if (!victim.auth_in_flight_for(id)) {
    nicknames.release_held_by(id);
  }
}

void ServerCore::cut_off(net::ConnId id) {
  Session& s = pool.at(id);
  bool slow_reader = false;
  bool leaving = false;  // expelled already (a kick, a timeout): that decision stands
  if (!s.outbox.run_if_owner(id, [&] {
        leaving = s.expired_for(id);
        slow_reader =
            !leaving && s.record_close(CloseReason::slow_reader) == CloseReason::slow_reader;
      })) {
    return;  // gone meanwhile
  }
  if (slow_reader) {
    log::warn("disconnect {}: send queue over its limit (slow reader)", id);
  }
  if (!leaving) {
    expel(id, CloseReason::slow_reader, proto::SLOW_READER, slow_reader_message(config));
  }
  switch (s.outbox.finish_cut(id, *io)) {
    case net::SendQueue::After::close_now:
      half_close(id);  // nothing left to send: the stream ends on a frame boundary
      break;
    case net::SendQueue::After::sending:
      lingering.add(id, LingerList::Clock::now() + config.linger);  // a reader that never reads
      break;
    case net::SendQueue::After::idle:
      break;
  }
}

void ServerCore::send_ack(net::ConnId id, std::uint64_t request_id, std::uint64_t client_msg_id,
                          std::uint64_t server_msg_id, const std::string& room, std::uint64_t seq,
                          std::uint64_t time_ms) {
  send(id, ack_envelope(request_id, client_msg_id, server_msg_id, room, seq, time_ms));
}

proto::Envelope ServerCore::role_changed_notice(bool is_operator, const std::string& by) {
  proto::Envelope env;
  auto* n = env.mutable_notice();
  n->set_kind(proto::Notice::ROLE_CHANGED);
  n->set_is_operator(is_operator);
  n->set_text(is_operator ? fmt::format("you have the operator role now (given by {})", by)
                          : fmt::format("you no longer have the operator role (taken by {})", by));
  return env;
}

proto::Envelope ServerCore::ack_envelope(std::uint64_t request_id, std::uint64_t client_msg_id,
                                         std::uint64_t server_msg_id, const std::string& room,
                                         std::uint64_t seq, std::uint64_t time_ms) {
  proto::Envelope ack;
  ack.set_request_id(request_id);
  auto* a = ack.mutable_ack();
  a->set_client_msg_id(client_msg_id);
  a->set_server_msg_id(server_msg_id);
  a->set_room(room);
  a->set_seq(seq);
  a->set_server_time_ms(time_ms);
  return ack;
}

void ServerCore::on_stored(const std::vector<Stored>& batch, bool committed) {
  FlushBatch gathered(pool, *io);  // a burst of Acks to one sender leaves in one send
  Delivery out(pool, *io);
  for (const Stored& s : batch) {
    if (!s.ack.sender.valid()) {
      continue;
    }
    // Each Ack was promised to its sender's queue (handle_broadcast): a close the sender asked
    // for meanwhile (Quit, its half-close, a kick, a timeout, shutdown) waits for it.
    if (!committed) {
      out.drop_promise(s.ack.sender);
      continue;
    }
    const StoredMessage& m = *s.msg;
    out.keep_promise(s.ack.sender, ack_envelope(s.ack.request_id, s.ack.client_msg_id,
                                                m.server_msg_id, m.room, m.seq, m.server_time_ms));
  }
}

std::int64_t ServerCore::steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::uint64_t ServerCore::now_ms() {
  return unix_time_ms();
}

void ServerCore::send(net::ConnId id, const proto::Envelope& env) {
  Delivery out(pool, *io);
  out.push(id, env);
}

void ServerCore::send_error(net::ConnId id, Session& s, const proto::Envelope& request,
                            proto::ErrorCode code, std::string message, bool fatal) {
  proto::Envelope env;
  env.set_request_id(request.request_id());
  auto* e = env.mutable_error();
  e->set_code(code);
  e->set_request(std::string(wire::body_name(request.body_case())));
  e->set_fatal(fatal);
  if (fatal || s.log_allowance.take(TokenBucket::Clock::now())) {
    log::info(
        "reject {} {} ({}): {} {}{}", id, s.nickname.empty() ? s.peer : s.nickname, e->request(),
        proto::ErrorCode_Name(code), message,
        s.logs_suppressed == 0
            ? std::string()
            : fmt::format(" ({} more refusals of this connection not logged)", s.logs_suppressed));
    s.logs_suppressed = 0;
  } else {
    ++s.logs_suppressed;
  }
  e->set_message(std::move(message));
  send(id, env);
  if (fatal) {
    close_gracefully(id, s, CloseReason::protocol_error);
  }
}

void ServerCore::leave_chat(net::ConnId id, Session& s) {
  if (s.nickname.empty() || s.left_chat) {
    return;
  }
  s.left_chat = true;
  const std::string reason = presence_reason(s.close_reason.load(), s.quit_text);
  {
    // During shutdown everyone is leaving: the rooms are emptied without a Presence storm.
    Delivery out(pool, *io);
    const bool tell = !shutting_down.load();
    for (const std::string& room : s.rooms) {
      rooms.leave(room, id, tell ? &reason : nullptr, out);
    }
  }
  nicknames.release(s.nickname, id);
  log::info("left {} {}: {}", id, s.nickname, reason);
  s.rooms.clear();
}

void ServerCore::close_gracefully(net::ConnId id, Session& s, CloseReason reason) {
  if (s.phase == Session::Phase::closing) {
    return;
  }
  s.record_close(reason);
  s.phase = Session::Phase::closing;
  leave_chat(id, s);
  if (s.outbox.close_when_drained() == net::SendQueue::After::close_now) {
    half_close(id);
  } else {
    // Bounded: a peer that stops reading cannot hold the slot while its replies wait to drain.
    lingering.add(id, LingerList::Clock::now() + config.linger);
  }
}

void ServerCore::notify_shutdown(net::ConnId id, Session& s) {
  if (s.outbox.owner() != id) {
    return;  // gone (or the empty id of a free slot)
  }
  s.record_close(CloseReason::shutdown);
  send_last(id, s, shutdown_notice.frame(s.frame_kind));
}

bool ServerCore::send_last(net::ConnId id, Session& s, const net::SharedBytes& frame) {
  switch (s.outbox.push_last(id, frame)) {
    case net::SendQueue::Push::needs_flush:
      s.outbox.flush(id, *io);
      [[fallthrough]];
    case net::SendQueue::Push::queued:
      lingering.add(id, LingerList::Clock::now() + config.linger);  // a dead peer never drains
      return true;
    case net::SendQueue::Push::overflow:
      pool.report_cut(id, *io);  // the queue was cut: its own notice is the last frame
      return true;
    case net::SendQueue::Push::closed:
      break;
  }
  return false;  // closing already, or `id` is gone
}

bool ServerCore::expire(net::ConnId id, Session& s, CloseReason reason, proto::ErrorCode code,
                        std::string message) {
  // Owner-checked under the queue's lock: a thread that checked first and stored later could
  // overwrite the tag of the slot's next connection (Session::release clears it after the
  // queue's reset, under the same lock).
  const std::uint64_t tag = (std::uint64_t{id.generation} << 8) | static_cast<std::uint8_t>(reason);
  if (!s.outbox.run_if_owner(id, [&] { s.expired_tag.store(tag); })) {
    return false;  // gone: the tag must not land on the slot's next connection
  }
  proto::Envelope env;
  auto* e = env.mutable_error();
  e->set_code(code);
  e->set_fatal(true);
  e->set_message(message);
  if (send_last(id, s, wire::encode(env, s.frame_kind))) {
    log::info("closing {}: {}", id, message);
  }
  return true;
}

void ServerCore::half_close(net::ConnId id) {
  Session& s = pool.at(id);
  s.half_closed.store(true);
  if (s.peer_eof.load()) {
    io->close(id);  // the peer already closed its side: nothing left to wait for
    return;
  }
  io->shutdown_send(id);
  lingering.add(id, LingerList::Clock::now() + config.linger);
}

}  // namespace chat::server
