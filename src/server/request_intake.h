// Internal header (server). From received bytes to dispatched requests: the framing,
// decoding, flood control, frames held while a password is checked, and backpressure on reading.
#pragma once

#include "chat.pb.h"
#include "net/io_service.h"
#include "session.h"
#include "token_bucket.h"

namespace chat::server {

struct ServerCore;

// Stateless beyond the ServerCore it serves; one per server. Every function is called from the
// connection's own callbacks (or from the thread that owns it during an auth hand-over, see
// Session), never for one connection on two threads at once.
class RequestIntake {
 public:
  explicit RequestIntake(ServerCore& core) : core_(core) {}

  // Feeds bytes received on `id` through its Framing and dispatches each whole frame.
  void process_bytes(net::ConnId id, Session& s, net::ByteSpan data);
  // One frame: decode, flood control, dispatch (or hold it while a password is checked). False
  // to stop reading the chunk (closing). `request` is scratch, reused across a chunk's frames.
  bool handle_frame(net::ConnId id, Session& s, net::ByteSpan body,
                    TokenBucket::Clock::time_point now, proto::Envelope& request);
  // Starts the next receive, unless backpressure parks it (its send queue is over the soft
  // limit: on_send_drained() then starts it).
  void read_on(net::ConnId id, Session& s);
  // From `id`'s send completion: starts the receive read_on() parked, once the queue is below
  // the soft limit again.
  void on_send_drained(net::ConnId id, Session& s);

 private:
  // Flood control for one decoded request: true to dispatch it; false when it was refused with
  // Error(RATE_LIMITED) (and, for a client that keeps on, a close).
  bool admit(net::ConnId id, Session& s, const proto::Envelope& request,
             TokenBucket::Clock::time_point now);
  // True when `id`'s next receive is left to on_send_drained(); false to read on now.
  bool park_recv(net::ConnId id, Session& s);

  ServerCore& core_;
};

}  // namespace chat::server
