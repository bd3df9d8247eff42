// Internal header (server). Delivery of frames to sessions: queued under any lock, sent later,
// gathered per recipient (FlushBatch), with slow readers reported instead of sent to.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "net/io_service.h"
#include "net/send_queue.h"
#include "net/wire/envelope_codec.h"
#include "session_pool.h"

namespace chat::server {

// Gathers the flushes of every Delivery made on this thread while it lives and starts them when
// it ends (or at flush_now() / flush_for()), so that the frames a batch of requests produces for
// a recipient (a burst of broadcasts, their Acks) leave in one gathered send instead of one send
// each. The flushes wait in the order they were asked for. Lives on one thread's stack; nested
// batches join the outermost one.
class FlushBatch {
 public:
  FlushBatch(SessionPool& pool, net::IoService& io);
  ~FlushBatch();
  FlushBatch(const FlushBatch&) = delete;
  FlushBatch& operator=(const FlushBatch&) = delete;

  // The batch this thread is in, or null.
  static FlushBatch* current();
  // Flushes `id`'s queue when the batch ends. Each queue asks once per flush (SendQueue::push).
  void add(net::ConnId id) { due_.push_back(id); }
  // Starts all the sends gathered so far; the batch goes on.
  void flush_now();
  // Starts the sends gathered so far, oldest first, until `budget` has passed (at least one);
  // returns true when some are left for a later call. For a batch that spans a whole worker
  // loop, at the end of each batch of completions (IoHandler::on_batch_end): a frame queued
  // meanwhile to a session still waiting rides along with its send. Once a send carries a
  // backlog (a burst), the budget is ignored and every send is started.
  bool flush_for(std::chrono::nanoseconds budget);

 private:
  SessionPool& pool_;
  net::IoService& io_;
  const bool outermost_;
  // due_[next_due_..] wait to be flushed, oldest first. Ids, not sessions: one may outlive its
  // connection across slices, and its flush is then refused by the slot's queue.
  std::vector<net::ConnId> due_;
  std::size_t next_due_ = 0;
};

// Queues frames to sessions and defers everything slow (send syscalls, disconnecting slow
// readers), so callers can push while holding a room lock. On a thread in a FlushBatch (the
// workers) a queue that needs a send is handed straight to the batch; elsewhere the sends start
// in finish(). One per request or event on one thread; not shared.
class Delivery {
 public:
  Delivery(SessionPool& pool, net::IoService& io)
      : pool_(pool), io_(io), batch_(FlushBatch::current()) {}
  ~Delivery() { finish(); }
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  // Queues `msg` to `to`, framed for `to`'s transport; a stale id is ignored. A message for
  // many recipients (or whose size counts before it is sent, like a whisper) is framed once for
  // every kind (wire::FramedMessage); an Envelope for one recipient only for its kind.
  void push(net::ConnId to, const wire::FramedMessage& msg);
  void push(net::ConnId to, const proto::Envelope& env);
  // Keeps or drops a frame promised to `to` (SendQueue::promise): an Ack owed before any close.
  void keep_promise(net::ConnId to, const proto::Envelope& env);
  void drop_promise(net::ConnId to);
  // Starts the sends not left to a FlushBatch and reports any recipient whose queue overflowed
  // (SessionPool::report_cut). Idempotent.
  void finish();

 private:
  // Follows up a push to `to`'s queue: a flush due, or a slow reader to disconnect.
  void after_push(net::ConnId to, net::SendQueue::Push result);

  SessionPool& pool_;
  net::IoService& io_;
  FlushBatch* const batch_;            // this thread's batch, or null
  std::vector<net::ConnId> to_flush_;  // without a batch: queues to flush in finish()
  std::vector<net::ConnId> overflowed_;
};

}  // namespace chat::server
