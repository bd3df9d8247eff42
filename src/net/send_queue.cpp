#include "send_queue.h"

namespace chat::net {
namespace {
// A gathered send carries at most kMaxSendBuffers frames and this many bytes: enough to coalesce
// a burst (a backlog of thousands of small frames) into a few large syscalls, small enough that
// one slow socket does not hold a huge send.
constexpr std::size_t kMaxBytesPerSend = 256 * 1024;
// A drained queue keeps a gather list of up to this many entries; a burst's is freed, so an
// idle connection pins almost nothing.
constexpr std::size_t kKeepWhenIdle = 16;
}  // namespace

void SendQueue::open(ConnId id) {
  std::lock_guard lock(mutex_);
  owner_ = id;
}

ConnId SendQueue::owner() const {
  std::lock_guard lock(mutex_);
  return owner_;
}

SendQueue::Push SendQueue::push(ConnId id, SharedBytes frame) {
  std::lock_guard lock(mutex_);
  return push_locked(id, std::move(frame));
}

SendQueue::Push SendQueue::push_last(ConnId id, SharedBytes frame) {
  std::lock_guard lock(mutex_);
  if (promised_ > 0) {
    if (!id.valid() || id != owner_ || closed_ || close_when_drained_) {
      return Push::closed;
    }
    held_last_ = std::move(frame);  // after what is promised: settle_promise_locked appends it
    close_when_drained_ = true;
    return Push::queued;
  }
  const Push result = push_locked(id, std::move(frame));
  if (result == Push::queued || result == Push::needs_flush) {
    close_when_drained_ = true;  // in the same locked step: the drain's on_sent() says close_now
  }
  return result;
}

SendQueue::Push SendQueue::push_locked(ConnId id, SharedBytes frame) {
  // An invalid id is nobody's, even on a free slot whose owner is the invalid id too.
  if (!id.valid() || id != owner_ || closed_ || close_when_drained_) {
    return Push::closed;
  }
  return append_locked(std::move(frame));
}

bool SendQueue::promise(ConnId id) {
  std::lock_guard lock(mutex_);
  if (!id.valid() || id != owner_ || closed_ || close_when_drained_) {
    return false;
  }
  ++promised_;
  return true;
}

SendQueue::Push SendQueue::keep_promise(ConnId id, SharedBytes frame) {
  std::lock_guard lock(mutex_);
  if (!id.valid() || id != owner_ || promised_ == 0) {
    return Push::closed;
  }
  --promised_;
  if (closed_) {
    return Push::closed;
  }
  return settle_promise_locked(append_locked(std::move(frame)));
}

SendQueue::Push SendQueue::drop_promise(ConnId id) {
  std::lock_guard lock(mutex_);
  if (!id.valid() || id != owner_ || promised_ == 0) {
    return Push::closed;
  }
  --promised_;
  if (closed_) {
    return Push::closed;
  }
  return settle_promise_locked(Push::queued);
}

SendQueue::Push SendQueue::settle_promise_locked(Push own) {
  if (promised_ > 0 || !held_last_ || own == Push::overflow) {
    return own;
  }
  const Push last = append_locked(std::move(held_last_));
  held_last_.reset();
  if (last == Push::overflow) {
    return last;  // the cut must be reported; its finish_cut() starts the send a flush would
  }
  return own == Push::needs_flush ? own : last;
}

SendQueue::Push SendQueue::append_locked(SharedBytes frame) {
  if (queued_bytes_ + frame->size() > max_queued_bytes_) {
    cut_locked();
    return Push::overflow;
  }
  queued_bytes_ += frame->size();
  frames_.push_back(std::move(frame));
  if (sending_ || flush_due_) {
    return Push::queued;  // the send in flight, or the flush already asked for, takes it along
  }
  flush_due_ = true;
  return Push::needs_flush;
}

void SendQueue::cut_locked() {
  // Only whole frames reach the peer: those of the send in flight go on being written, every
  // later one is dropped here, before the backend has seen a byte of it.
  const std::size_t in_flight = sending_ ? in_flight_.size() : 0;
  std::vector<SharedBytes> kept;
  kept.reserve(in_flight + 1);
  frames_.visit([&](const SharedBytes& frame) {
    if (kept.size() == in_flight) {
      return false;
    }
    kept.push_back(frame);  // a second reference: the gather list's spans stay valid
    return true;
  });
  if (cut_notice_) {
    kept.push_back(cut_notice_);
  }
  frames_.clear();
  queued_bytes_ = 0;
  for (SharedBytes& frame : kept) {
    queued_bytes_ += frame->size();
    frames_.push_back(std::move(frame));
  }
  close_when_drained_ = true;  // refuses later pushes and promises; the drain says close_now
  promised_ = 0;               // the Acks owed will not come: the peer is not reading
  held_last_.reset();
}

SendQueue::After SendQueue::finish_cut(ConnId id, IoService& io) {
  std::lock_guard lock(mutex_);
  if (!id.valid() || id != owner_ || closed_) {
    return After::idle;
  }
  if (drained_) {
    return After::idle;  // on_sent() drained it and said close_now: that close is under way
  }
  if (sending_) {
    return After::sending;
  }
  flush_due_ = false;
  if (start_send_locked(io) > 0) {
    return After::sending;
  }
  drained_ = true;
  return After::close_now;
}

std::size_t SendQueue::flush(ConnId id, IoService& io) {
  std::lock_guard lock(mutex_);
  if (!id.valid() || id != owner_) {
    return 0;
  }
  flush_due_ = false;
  if (!sending_ && !closed_ && owner_.valid()) {
    return start_send_locked(io);
  }
  return 0;
}

std::size_t SendQueue::start_send_locked(IoService& io) {
  in_flight_.clear();
  std::size_t bytes = 0;
  frames_.visit([&](const SharedBytes& frame) {
    if (in_flight_.size() == kMaxSendBuffers ||
        (!in_flight_.empty() && bytes + frame->size() > kMaxBytesPerSend)) {
      return false;
    }
    in_flight_.emplace_back(reinterpret_cast<const std::byte*>(frame->data()), frame->size());
    bytes += frame->size();
    return true;
  });
  if (in_flight_.empty()) {
    return 0;
  }
  sending_ = true;
  io.start_send(owner_, in_flight_);
  return in_flight_.size();
}

SendQueue::After SendQueue::on_sent(IoService& io) {
  std::lock_guard lock(mutex_);
  sending_ = false;
  if (closed_) {
    return After::idle;
  }
  for (const ByteSpan& sent : in_flight_) {
    queued_bytes_ -= sent.size();
  }
  frames_.pop_front(in_flight_.size());
  in_flight_.clear();
  if (!frames_.empty()) {
    start_send_locked(io);
    return After::sending;
  }
  if (in_flight_.capacity() > kKeepWhenIdle) {
    in_flight_.shrink_to_fit();  // do not pin a burst's gather list on an idle connection
  }
  if (close_when_drained_ && promised_ == 0) {
    drained_ = true;  // close_now is said once: finish_cut() must not say it again
    return After::close_now;
  }
  return After::idle;
}

SendQueue::After SendQueue::close_when_drained() {
  std::lock_guard lock(mutex_);
  close_when_drained_ = true;
  if (closed_) {
    return After::close_now;
  }
  // With promises open, keep_promise() appends, and the on_sent() that drains says close_now.
  if (sending_ || !frames_.empty() || promised_ > 0) {
    return After::sending;
  }
  drained_ = true;
  return After::close_now;
}

void SendQueue::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

void SendQueue::reset() {
  std::lock_guard lock(mutex_);
  owner_ = {};
  frames_.clear();
  in_flight_.clear();
  in_flight_.shrink_to_fit();
  queued_bytes_ = 0;
  sending_ = false;
  flush_due_ = false;
  closed_ = false;
  drained_ = false;
  close_when_drained_ = false;
  promised_ = 0;
  held_last_.reset();
}

std::size_t SendQueue::queued_bytes() const {
  std::lock_guard lock(mutex_);
  return queued_bytes_;
}

}  // namespace chat::net
