// Internal header (server). One connection's state, in a preallocated slot.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "accounts/auth_worker.h"
#include "net/framing.h"
#include "net/send_queue.h"
#include "token_bucket.h"

namespace chat::server {

// Why a connection ended; the first reason recorded wins. Logged, and sent to the rooms the
// session was in as "disconnect: <why>".
enum class CloseReason : std::uint8_t {
  none,
  quit,         // the client sent Quit
  peer_closed,  // end of stream from the client
  connection_error,
  protocol_error,  // malformed or oversized frame
  slow_reader,     // send queue over its limit
  flooding,        // went on sending while rate-limited
  handshake_timeout,
  heartbeat_timeout,
  server_full,
  address_limit,  // refused on connect: too many connections, or too fast, from one address
  shutdown,
  kicked,    // an operator's /kick (or /ban of someone connected)
  banned,    // refused: the nickname or the address is banned
  replaced,  // its registered user logged in again on another connection
};
const char* to_string(CloseReason reason);

// Ownership, per field group:
// - `outbox` is thread-safe and is how any thread reaches this connection: by ConnId, checked
//   under the queue's lock (SendQueue::push).
// - `close_reason` is atomic: the first thread to record one wins. `peer_eof` and `half_closed`
//   are atomic too: the recv and send callbacks that set them may run at once on two threads, and
//   each sets its own flag before reading the other's, so at least one of them sees both.
// - Everything else is the chat state: touched only by this connection's own callbacks, which the
//   IoService serializes for us (on_accept, then each on_recv in turn, then on_closed). No lock.
//   One exception, a hand-over: while a password is checked (`auth_tag` pending) nothing is read
//   from the connection, and the auth result, posted to a worker, owns the chat state once it
//   wins `auth_tag` (pending -> finishing); on_closed either cancels the pending check first or
//   waits for the finishing one to end. See AuthHandover (auth_handover.h).
struct Session {
  // `cut_notice`: the fatal Error a reader too slow for its send queue gets last, framed as
  // `inbound` frames. `inbound`: how the slot's connections frame their bytes (the transport
  // they come by).
  Session(std::unique_ptr<net::Framing> inbound, std::size_t max_send_queue_bytes,
          net::SharedBytes cut_notice)
      : outbox(max_send_queue_bytes, std::move(cut_notice)),
        frame_kind(inbound->kind()),
        framing(std::move(inbound)) {}

  net::SendQueue outbox;
  // How frames to this slot's connections look: fixed for the slot, so any thread may read it.
  const net::FramingKind frame_kind;
  std::atomic<CloseReason> close_reason{CloseReason::none};
  // The client ended its sending side; set by its recv callback, read when our queue drains.
  std::atomic<bool> peer_eof{false};
  // Our queue drained while closing and we ended our sending side (ServerCore::half_close).
  std::atomic<bool> half_closed{false};

  // Read by the housekeeping thread (timeouts), so atomic. Milliseconds of ServerCore::
  // steady_ms(); accepted_ms is 0 while the slot is free. open() sets it last and release()
  // clears it first: a sweep that finds it non-zero may read a connection that is leaving, never
  // a slot half given to the next one (see release()).
  std::atomic<std::int64_t> accepted_ms{0};
  // The last complete frame received (or the accept). Bytes of a frame that never completes do
  // not count: a client trickling one byte a second is as silent as one sending nothing.
  std::atomic<std::int64_t> last_heard_ms{0};
  // The generation of the connection a heartbeat Ping went out to with nothing heard since (so
  // no second one is sent); 0: none. A generation, not a flag: a sweep that pinged a connection
  // just as it closed cannot silence the slot's next one.
  std::atomic<std::uint32_t> pinged_generation{0};
  // A frame is partly received (set after each receive): a heartbeat timeout then says so.
  std::atomic<bool> frame_incomplete{false};
  std::atomic<bool> joined{false};
  // No receive is in flight because the send queue is over its soft limit; whoever clears it
  // (the send completion that drains the queue, or the receive that parked) starts the next one.
  std::atomic<bool> recv_parked{false};
  // A close decided on another thread (a timeout), for the connection of one generation:
  // (generation << 8) | CloseReason. on_closed() takes the reason if the generation is its own.
  std::atomic<std::uint64_t> expired_tag{0};
  // A password check in progress for the connection of one generation: (generation << 2) |
  // AuthTag. 0: none.
  enum AuthTag : std::uint64_t { auth_pending = 1, auth_finishing = 2 };
  std::atomic<std::uint64_t> auth_tag{0};

  // Why a close was decided for `id`'s connection on another thread (expired_tag), if one was:
  // from then on it is leaving, and what it still sends is not acted on. Any thread.
  std::optional<CloseReason> expiry_for(net::ConnId id) const {
    const std::uint64_t tag = expired_tag.load();
    if (tag == 0 || (tag >> 8) != id.generation) {
      return std::nullopt;
    }
    return static_cast<CloseReason>(tag & 0xff);
  }
  bool expired_for(net::ConnId id) const { return expiry_for(id).has_value(); }
  // True while a password check for `id`'s connection is in flight. Any thread.
  bool auth_in_flight_for(net::ConnId id) const {
    const std::uint64_t tag = auth_tag.load();
    return tag != 0 && (tag >> 2) == id.generation;
  }

  enum class Phase : std::uint8_t { handshake, joined, closing };
  Phase phase = Phase::handshake;
  std::unique_ptr<net::Framing> framing;  // inbound: the receive callbacks' own
  std::string peer;
  std::string host;                 // the peer's numeric address, without the port
  std::string address_key;          // counted in ServerCore::addresses under this; empty: not
  std::string nickname;             // as the client spelled it; empty until joined
  std::vector<std::string> rooms;   // rooms joined, in join order
  std::string quit_text;            // the client's Quit reason, for presence
  bool left_chat = false;           // leave_chat() ran: rooms told, nickname released
  bool counted = false;             // counts against --max-clients
  TokenBucket flood{0, 1};          // set up on accept from the server's flood limits
  std::uint32_t flood_strikes = 0;  // requests refused since the last one let through
  // Whispers this connection may still receive (ServerConfig::whisper_bytes_per_s), taken by
  // whoever whispers to it, from any thread: under the send queue's lock, for its owner only
  // (take_whisper_allowance).
  TokenBucket whispers_in{0, 1};

  // The log lines one connection's refused requests may write: ten at once, then one a second.
  // A client repeating a bad request (within its flood allowance) cannot fill the log.
  TokenBucket log_allowance{1, 10};
  // ChangeNickname: 3 at once, then one every 30 seconds. A rename costs every member of every
  // shared room a Presence, and a stream of them would make who-is-who unreadable.
  static constexpr double kRenameBurst = 3;
  static constexpr double kRenameEverySeconds = 30;
  TokenBucket renames{1.0 / kRenameEverySeconds, kRenameBurst};
  std::uint32_t logs_suppressed = 0;  // refusals not logged since the last line

  // A Join with a password, or a Register, waiting for the auth worker: set by its handler,
  // submitted when the receive that carried it ends, cleared by AuthHandover::on_result.
  // While set, frames are held in `held_frames` and not handled, and nothing more is read.
  struct PendingAuth {
    AuthJob job;  // moved out when submitted
    std::uint64_t request_id = 0;
    bool skip_lobby = false;  // a login's Join.skip_lobby
  };
  std::optional<PendingAuth> auth;
  std::vector<std::string> held_frames;
  bool logged_in = false;  // holds its nickname by the account's password (or registered it)

  // The slot's life, in one place. open() gives the slot to a new connection (from on_accept);
  // release() takes everything back (from on_closed, last). Both order their stores for the
  // housekeeping thread, which reads a slot's owner and accepted_ms without a lock.
  void open(net::ConnId id, std::string peer_text, std::string peer_host, TokenBucket bucket,
            TokenBucket whisper_bucket, std::int64_t now_ms);
  // Takes `bytes` of whisper allowance for connection `id`. Over it: nothing is taken, and the
  // rate this connection was given (at accept: a reload changes later connections only) is
  // returned, for the refusal to quote. Any thread.
  std::optional<double> take_whisper_allowance(net::ConnId id, std::size_t bytes);
  // `between(id)` runs after the slot is marked free and before the rest is reset: a test runs
  // a sweep there (ServerConfig::on_slot_releasing). Empty outside tests.
  void release(net::ConnId id, const std::function<void(net::ConnId)>& between = {});

  // Records `reason` unless one is already set; returns the reason in force.
  CloseReason record_close(CloseReason reason) {
    CloseReason expected = CloseReason::none;
    close_reason.compare_exchange_strong(expected, reason);
    return close_reason.load();
  }
};

}  // namespace chat::server
