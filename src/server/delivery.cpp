#include "delivery.h"

namespace chat::server {

namespace {
// The FlushBatch this thread is in. A plain pointer: no destructor runs at thread exit.
thread_local FlushBatch* t_batch = nullptr;
// flush_for() drops the flushed front of its list once it is this long and half of the list.
constexpr std::size_t kCompactAfter = 1024;
// A send of this many frames means its recipient has a backlog: the load is a burst, its
// latency is the queue's, and what counts is how much each send gathers. Slices would only make
// the worker's rounds shorter and the gathers smaller, so flush_for() finishes the list instead.
constexpr std::size_t kBackloggedFrames = 32;
}  // namespace

FlushBatch::FlushBatch(SessionPool& pool, net::IoService& io)
    : pool_(pool), io_(io), outermost_(t_batch == nullptr) {
  if (outermost_) {
    t_batch = this;
  }
}

FlushBatch::~FlushBatch() {
  if (!outermost_) {
    return;
  }
  t_batch = nullptr;
  flush_now();
}

void FlushBatch::flush_now() {
  flush_for(std::chrono::nanoseconds::max());
}

bool FlushBatch::flush_for(std::chrono::nanoseconds budget) {
  // A flush never adds to this list: a completed send queues its next one itself (on_sent, on a
  // worker, never inline here), and a Delivery adds only between calls.
  const auto start = std::chrono::steady_clock::now();
  bool backlogged = false;
  while (next_due_ < due_.size()) {
    const net::ConnId id = due_[next_due_++];
    const std::size_t frames = pool_.at(id).outbox.flush(id, io_);
    backlogged = backlogged || frames >= kBackloggedFrames;
    if (!backlogged && next_due_ < due_.size() &&
        std::chrono::steady_clock::now() - start >= budget) {
      break;
    }
  }
  if (next_due_ == due_.size()) {
    due_.clear();
    next_due_ = 0;
    return false;
  }
  if (next_due_ >= kCompactAfter && next_due_ * 2 >= due_.size()) {
    due_.erase(due_.begin(), due_.begin() + static_cast<std::ptrdiff_t>(next_due_));
    next_due_ = 0;  // the flushed front is dropped once it is at least half of the list
  }
  return true;
}

FlushBatch* FlushBatch::current() {
  return t_batch;
}

void Delivery::push(net::ConnId to, const wire::FramedMessage& msg) {
  Session& s = pool_.at(to);
  after_push(to, s.outbox.push(to, msg.frame(s.frame_kind)));
}

void Delivery::push(net::ConnId to, const proto::Envelope& env) {
  Session& s = pool_.at(to);
  after_push(to, s.outbox.push(to, wire::encode(env, s.frame_kind)));
}

void Delivery::keep_promise(net::ConnId to, const proto::Envelope& env) {
  Session& s = pool_.at(to);
  after_push(to, s.outbox.keep_promise(to, wire::encode(env, s.frame_kind)));
}

void Delivery::drop_promise(net::ConnId to) {
  after_push(to, pool_.at(to).outbox.drop_promise(to));
}

void Delivery::after_push(net::ConnId to, net::SendQueue::Push result) {
  switch (result) {
    case net::SendQueue::Push::needs_flush:
      if (batch_ != nullptr) {
        batch_->add(to);  // only records the id: safe under the caller's room lock
      } else {
        to_flush_.push_back(to);
      }
      break;
    case net::SendQueue::Push::overflow:
      overflowed_.push_back(to);
      break;
    case net::SendQueue::Push::queued:
    case net::SendQueue::Push::closed:
      break;
  }
}

void Delivery::finish() {
  for (const net::ConnId id : to_flush_) {
    pool_.at(id).outbox.flush(id, io_);
  }
  to_flush_.clear();
  for (const net::ConnId id : overflowed_) {
    pool_.report_cut(id, io_);
  }
  overflowed_.clear();
}

}  // namespace chat::server
