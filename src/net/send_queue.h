// Public header. A connection's outgoing frames: one send in flight, gathered writes, a byte cap.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "frame_fifo.h"
#include "io_service.h"

namespace chat::net {

// Thread-safe: any thread may push; completions call on_sent(). Lock order: callers may hold a
// room lock while pushing; the queue's own mutex is taken after it and calls into the IoService
// (whose per-connection locks come last).
//
// The queue belongs to one connection at a time (open() .. reset()). Pushes name the ConnId they
// mean, and the check happens under the queue's lock, so a sender holding a stale id can never
// put a frame into the queue of the slot's next occupant.
class SendQueue {
 public:
  enum class Push {
    queued,       // a send is in flight or a flush is already due; nothing to do
    needs_flush,  // call flush() (after releasing any lock you hold); said once per flush
    overflow,     // over the byte cap: the queue is cut (see finish_cut()); said once
    closed,       // the queue is closed, or `id` is not its owner: frame dropped
  };
  enum class After { idle, sending, close_now };

  // `cut_notice`: the last frame a reader gets once it falls more than `max_queued_bytes`
  // behind (a fatal error, shared by every queue); none if empty.
  explicit SendQueue(std::size_t max_queued_bytes, SharedBytes cut_notice = {})
      : max_queued_bytes_(max_queued_bytes), cut_notice_(std::move(cut_notice)) {}

  // Gives the queue to connection `id` (from on_accept/on_connect).
  void open(ConnId id);
  ConnId owner() const;
  // Runs `f` under the queue's lock if `id` owns the queue; returns whether it ran. For state
  // kept beside the queue that must never land on the slot's next connection (reset() takes
  // the same lock): the check and the store are one step.
  template <typename F>
  bool run_if_owner(ConnId id, F&& f) {
    std::lock_guard lock(mutex_);
    if (!id.valid() || id != owner_) {
      return false;
    }
    f();
    return true;
  }

  // Appends a frame for connection `id`.
  Push push(ConnId id, SharedBytes frame);
  // Appends a last frame and asks for a graceful close in one step (push, then
  // close_when_drained()), so the close_now always comes from the on_sent() that drains it, in
  // the connection's own callback, never to this caller. For threads other than the
  // connection's own (timeouts); returns as push() does. While frames are promised (below), the
  // last frame waits for them: it is appended when the last promise is kept or dropped, and
  // this returns queued.
  Push push_last(ConnId id, SharedBytes frame);

  // Promises: frames a connection is owed before it may close (the Ack of a message that is
  // still being stored). A close asked for meanwhile (close_when_drained(), push_last()) waits
  // until each promise is kept or dropped, so the peer gets everything it was owed, then the
  // last frame, then the close. Any thread.
  //
  // Promises one frame to `id`. False (nothing promised) when `id` is not the owner or the
  // queue is closing or closed: the caller should not start what the promise was for.
  bool promise(ConnId id);
  // Keeps a promise: appends `frame` (even while closing), then, after the last promise, the
  // frame push_last() held back. Returns as push() does; closed when `id` is gone.
  Push keep_promise(ConnId id, SharedBytes frame);
  // Drops a promise unkept (what was promised will not come). After the last one the held-back
  // last frame is appended (needs_flush); a close asked for with nothing left to send is then
  // left to the caller's linger (this never returns close_now to another thread).
  Push drop_promise(ConnId id);
  // Starts a send of queued frames for connection `id` unless one is in flight. Returns how many
  // frames that send carries (0: none started). A stale `id` (the slot has a new owner, whose
  // own flush is asked for on its own) does nothing, as for push().
  std::size_t flush(ConnId id, IoService& io);
  // A send completed successfully: drops the sent frames and starts the next send. Returns
  // close_now when the queue drained after close_when_drained().
  After on_sent(IoService& io);
  // Asks for a graceful close: returns close_now if nothing is queued or in flight, else the
  // close_now comes from the on_sent() that drains the queue. Later pushes are dropped.
  After close_when_drained();
  // After a push said overflow: the queue was cut then, in the same locked step as the push.
  // It kept the frames of the send in flight (the backend is writing them: the peer gets whole
  // frames only), dropped the rest and every promise, put the cut notice after them, and
  // refuses everything later. This starts the send of what is left if none is in flight, and
  // returns close_now when nothing is left to send (close at once: the stream ends on a frame
  // boundary), sending when on_sent() will say close_now once it drains, idle when `id` is gone
  // or close_now was said already (by the on_sent() that drained it). close_now is said once.
  // Any thread.
  After finish_cut(ConnId id, IoService& io);
  // Drops everything and refuses later pushes (abortive close). The frames of a send in flight
  // stay alive until reset(): the backend may still be reading them.
  void close();
  // Back to empty and ownerless, for the slot's next connection. Call only from on_closed().
  void reset();

  std::size_t queued_bytes() const;

 private:
  Push push_locked(ConnId id, SharedBytes frame);
  // Appends to a queue already checked open for its owner; the byte cap and flush bookkeeping.
  Push append_locked(SharedBytes frame);
  // One promise settled: after the last, the held-back last frame goes in. Returns what the
  // caller's own append said, or the last frame's.
  Push settle_promise_locked(Push own);
  // Over the byte cap: keeps the frames in flight, drops the rest, appends the notice.
  void cut_locked();
  std::size_t start_send_locked(IoService& io);

  mutable std::mutex mutex_;
  ConnId owner_;
  const std::size_t max_queued_bytes_;
  FrameFifo frames_;  // the in-flight frames lead, then the waiting ones
  std::size_t queued_bytes_ = 0;
  std::vector<ByteSpan> in_flight_;  // the gather list handed to the backend
  bool sending_ = false;
  bool flush_due_ = false;  // a push said needs_flush and flush() has not run since
  bool closed_ = false;
  bool close_when_drained_ = false;
  unsigned promised_ = 0;  // frames promised and not yet kept or dropped
  SharedBytes held_last_;  // push_last()'s frame, waiting for the promises
  const SharedBytes cut_notice_;
  bool drained_ = false;  // close_now was said (by on_sent() or finish_cut())
};

}  // namespace chat::net
