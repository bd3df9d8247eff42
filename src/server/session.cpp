#include "session.h"

namespace chat::server {

const char* to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::none:
      return "closed";
    case CloseReason::quit:
      return "quit";
    case CloseReason::peer_closed:
      return "connection closed by client";
    case CloseReason::connection_error:
      return "connection error";
    case CloseReason::protocol_error:
      return "protocol error";
    case CloseReason::slow_reader:
      return "too slow to read (send queue full)";
    case CloseReason::flooding:
      return "flooding (kept sending over the rate limit)";
    case CloseReason::handshake_timeout:
      return "no Join in time (handshake timeout)";
    case CloseReason::heartbeat_timeout:
      return "silent too long (heartbeat timeout)";
    case CloseReason::server_full:
      return "server full";
    case CloseReason::address_limit:
      return "too many connections from one address";
    case CloseReason::shutdown:
      return "server shutting down";
    case CloseReason::kicked:
      return "kicked by an operator";
    case CloseReason::banned:
      return "banned";
    case CloseReason::replaced:
      return "logged in again from another connection";
  }
  return "closed";
}

void Session::open(net::ConnId id, std::string peer_text, std::string peer_host, TokenBucket bucket,
                   TokenBucket whisper_bucket, std::int64_t now_ms) {
  peer = std::move(peer_text);
  host = std::move(peer_host);
  flood = bucket;
  flood_strikes = 0;
  log_allowance.reset(TokenBucket::Clock::now());
  renames.reset(TokenBucket::Clock::now());
  logs_suppressed = 0;
  // Before the owner is set: a sender takes allowance only under the queue's lock and only for
  // the owner, so until open() below none touches it, and open()'s lock publishes it.
  whispers_in = whisper_bucket;
  last_heard_ms.store(now_ms);
  pinged_generation.store(0);
  frame_incomplete.store(false);
  outbox.open(id);
  // Last: from here the housekeeping thread looks at this slot, and everything it reads (the
  // owner above included) is this connection's.
  accepted_ms.store(now_ms);
}

std::optional<double> Session::take_whisper_allowance(net::ConnId id, std::size_t bytes) {
  std::optional<double> refused;  // gone: allowed, the delivery is dropped by its queue anyway
  outbox.run_if_owner(id, [&] {
    if (!whispers_in.take(TokenBucket::Clock::now(), static_cast<double>(bytes))) {
      refused = whispers_in.rate_per_s();
    }
  });
  return refused;
}

void Session::release(net::ConnId id, const std::function<void(net::ConnId)>& between) {
  // First. The sweep reads the owner, then accepted_ms, and acts on the owner's id only. If it
  // sees accepted_ms still set, the owner it read came before this store, so it is this
  // connection's id, which every queue and expire() refuses from here on; one that reads the
  // owner after the reset below gets the empty id, which it skips. Clearing the owner first
  // (as on_closed once did) let a sweep pair the empty owner with this accepted_ms and expire
  // or ping "nobody", which the free slot's queue took in: its next connection received nothing.
  accepted_ms.store(0);
  if (between) {
    between(id);
  }
  outbox.reset();
  framing->reset();
  phase = Phase::handshake;
  nickname.clear();
  rooms.clear();
  logged_in = false;
  left_chat = false;
  peer.clear();
  host.clear();
  address_key.clear();
  quit_text.clear();
  counted = false;
  close_reason.store(CloseReason::none);
  joined.store(false);
  recv_parked.store(false);
  expired_tag.store(0);
  peer_eof.store(false);
  half_closed.store(false);
  pinged_generation.store(0);
  frame_incomplete.store(false);
}

}  // namespace chat::server
