#include "request_intake.h"

#include "dispatcher.h"
#include "log.h"
#include "net/wire/envelope_codec.h"
#include "server_core.h"

namespace chat::server {
namespace {

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

void RequestIntake::process_bytes(net::ConnId id, Session& s, net::ByteSpan data) {
  // One Envelope per received chunk, cleared for each frame in it. (Not thread_local: objects
  // with destructors in thread_local storage are freed twice at thread exit under mingw.)
  proto::Envelope request;
  const auto now = TokenBucket::Clock::now();  // one reading per chunk is precise enough
  bool heard = false;
  auto on_frame = [&](net::ByteSpan body) {
    heard = true;
    return handle_frame(id, s, body, now, request);
  };
  const auto status = s.framing->feed(data, on_frame);
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
  const bool incomplete = s.framing->buffered() != 0;
  if (s.frame_incomplete.load(std::memory_order_relaxed) != incomplete) {
    s.frame_incomplete.store(incomplete, std::memory_order_relaxed);
  }
  if (status == net::Framing::Status::too_large) {
    core_.send_error(id, s, proto::Envelope{}, proto::FRAME_TOO_LARGE,
                     fmt::format("frame is over {} bytes", core_.config.max_frame_bytes), true);
  }
}

bool RequestIntake::handle_frame(net::ConnId id, Session& s, net::ByteSpan body,
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
    core_.send_error(id, s, proto::Envelope{}, proto::MALFORMED_FRAME,
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
      dispatch(core_, id, s, stand_in);  // a Quit is honoured; its unreadable reason dropped
      return false;
    }
    core_.send_error(id, s, stand_in, utf8_error_for(r), "a string field is not valid UTF-8");
    return true;
  }
  dispatch(core_, id, s, request);
  return s.phase != Session::Phase::closing;
}

bool RequestIntake::admit(net::ConnId id, Session& s, const proto::Envelope& request,
                          TokenBucket::Clock::time_point now) {
  const auto body = request.body_case();
  if (body == proto::Envelope::kQuit || body == proto::Envelope::kPong || s.flood.take(now)) {
    s.flood_strikes = 0;
    return true;
  }
  if (static_cast<double>(++s.flood_strikes) >= s.flood.burst()) {
    s.record_close(CloseReason::flooding);
    core_.send_error(id, s, request, proto::RATE_LIMITED,
                     "still flooding after a whole burst over the rate limit", true);
  } else {
    core_.send_error(id, s, request, proto::RATE_LIMITED,
                     fmt::format("over {} requests a second (burst {}): dropped; slow down",
                                 s.flood.rate_per_s(), s.flood.burst()));
  }
  return false;
}

void RequestIntake::read_on(net::ConnId id, Session& s) {
  // Keep reading while closing too, discarding, so the peer's end of stream ends the linger.
  if (!park_recv(id, s)) {
    core_.io->start_recv(id);
  }
}

void RequestIntake::on_send_drained(net::ConnId id, Session& s) {
  if (s.recv_parked.load() && s.outbox.queued_bytes() <= core_.config.send_queue_soft_bytes &&
      s.recv_parked.exchange(false)) {
    log::debug("resume reading {}", id);
    core_.io->start_recv(id);
  }
}

bool RequestIntake::park_recv(net::ConnId id, Session& s) {
  const std::size_t soft = core_.config.send_queue_soft_bytes;
  if (soft == 0 || s.outbox.queued_bytes() <= soft) {
    return false;
  }
  s.recv_parked.store(true);
  if (s.outbox.queued_bytes() > soft) {
    log::debug("pause reading {}: {} bytes unsent, over {}", id, s.outbox.queued_bytes(), soft);
    return true;  // on_send_drained() reads on once the queue drains
  }
  // It drained meanwhile. If on_send_drained() saw the flag first, it has started the receive
  // already.
  return !s.recv_parked.exchange(false);
}

}  // namespace chat::server
