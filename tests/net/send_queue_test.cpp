#include "net/send_queue.h"

#include <gtest/gtest.h>

#include "support/recording_io.h"

namespace chat::net {
namespace {

using chat::testing::RecordingIo;

SharedBytes bytes(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

constexpr ConnId kId{3, 1};

TEST(SendQueueTest, OneSendInFlightAndTheRestGathered) {
  RecordingIo io;
  SendQueue q(1024);
  q.open(kId);
  EXPECT_EQ(q.push(kId, bytes("a")), SendQueue::Push::needs_flush);
  EXPECT_EQ(q.flush(kId, io), 1u) << "the frames the send carries";
  EXPECT_EQ(q.push(kId, bytes("b")), SendQueue::Push::queued);
  EXPECT_EQ(q.push(kId, bytes("c")), SendQueue::Push::queued);
  EXPECT_EQ(q.flush(kId, io), 0u) << "no second send while one is in flight";
  ASSERT_EQ(io.sends.size(), 1u);
  EXPECT_EQ(io.sends[0].buffers, std::vector<std::string>{"a"});
  EXPECT_EQ(q.on_sent(io), SendQueue::After::sending);
  ASSERT_EQ(io.sends.size(), 2u);
  EXPECT_EQ(io.sends[1].buffers, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(q.on_sent(io), SendQueue::After::idle);
  EXPECT_EQ(q.queued_bytes(), 0u);
}

// A flush asked for and not yet done takes every later push along: one send for the lot.
TEST(SendQueueTest, PushesBeforeTheFlushAskForItOnce) {
  RecordingIo io;
  SendQueue q(1024);
  q.open(kId);
  EXPECT_EQ(q.push(kId, bytes("a")), SendQueue::Push::needs_flush);
  EXPECT_EQ(q.push(kId, bytes("b")), SendQueue::Push::queued);
  EXPECT_EQ(q.push(kId, bytes("c")), SendQueue::Push::queued);
  EXPECT_EQ(q.flush(kId, io), 3u);
  ASSERT_EQ(io.sends.size(), 1u);
  EXPECT_EQ(io.sends[0].buffers, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(q.on_sent(io), SendQueue::After::idle);
  EXPECT_EQ(q.push(kId, bytes("d")), SendQueue::Push::needs_flush);  // asked again after a flush
}

// A flush asked for by the slot's previous connection (an id held across a worker's send slices)
// leaves the new owner's queue alone: its own flush comes from its own push.
TEST(SendQueueTest, AStaleFlushDoesNothing) {
  RecordingIo io;
  SendQueue q(1024);
  const ConnId next{kId.index, kId.generation + 1};
  q.open(kId);
  EXPECT_EQ(q.push(kId, bytes("old")), SendQueue::Push::needs_flush);
  q.reset();
  q.open(next);
  EXPECT_EQ(q.push(next, bytes("new")), SendQueue::Push::needs_flush);
  EXPECT_EQ(q.flush(kId, io), 0u);
  EXPECT_TRUE(io.sends.empty());
  EXPECT_EQ(q.push(next, bytes("more")), SendQueue::Push::queued) << "its flush is still due";
  EXPECT_EQ(q.flush(next, io), 2u);
  ASSERT_EQ(io.sends.size(), 1u);
  EXPECT_EQ(io.sends[0].buffers, (std::vector<std::string>{"new", "more"}));
}

TEST(SendQueueTest, SharedFrameIsNotCopied) {
  RecordingIo io;
  SendQueue q1(1024), q2(1024);
  q1.open(kId);
  q2.open(ConnId{4, 1});
  const SharedBytes frame = bytes("shared");
  q1.push(kId, frame);
  q2.push(ConnId{4, 1}, frame);
  EXPECT_EQ(frame.use_count(), 3);
}

TEST(SendQueueTest, OverflowClosesTheQueue) {
  SendQueue q(10);
  q.open(kId);
  EXPECT_EQ(q.push(kId, bytes("12345")), SendQueue::Push::needs_flush);
  EXPECT_EQ(q.push(kId, bytes("123456")), SendQueue::Push::overflow);
  EXPECT_EQ(q.push(kId, bytes("1")), SendQueue::Push::closed);
}

// A reader over the cap gets whole frames only: those of the send in flight (the backend is
// writing them), then the notice, then the close. Everything waiting is dropped.
TEST(SendQueueTest, ACutKeepsTheSendInFlightThenTheNoticeThenCloses) {
  RecordingIo io;
  SendQueue q(10, bytes("NOTICE"));
  q.open(kId);
  EXPECT_EQ(q.push(kId, bytes("aaa")), SendQueue::Push::needs_flush);
  EXPECT_EQ(q.flush(kId, io), 1u);
  EXPECT_EQ(q.push(kId, bytes("bbb")), SendQueue::Push::queued);  // waiting
  EXPECT_EQ(q.push(kId, bytes("cccccc")), SendQueue::Push::overflow);
  EXPECT_EQ(q.push(kId, bytes("d")), SendQueue::Push::closed) << "nothing after the cut";
  EXPECT_FALSE(q.promise(kId));
  EXPECT_EQ(q.queued_bytes(), 3u + 6u) << "the frame in flight and the notice";
  EXPECT_EQ(q.finish_cut(kId, io), SendQueue::After::sending) << "the send in flight goes on";
  EXPECT_EQ(q.on_sent(io), SendQueue::After::sending);
  ASSERT_EQ(io.sends.size(), 2u);
  EXPECT_EQ(io.sends[0].buffers, std::vector<std::string>{"aaa"});
  EXPECT_EQ(io.sends[1].buffers, std::vector<std::string>{"NOTICE"}) << "bbb was dropped";
  EXPECT_EQ(q.on_sent(io), SendQueue::After::close_now);
}

TEST(SendQueueTest, ACutWithNothingInFlightSendsTheNoticeAlone) {
  RecordingIo io;
  SendQueue q(10, bytes("NOTICE"));
  q.open(kId);
  EXPECT_EQ(q.push(kId, bytes("aaaaaa")), SendQueue::Push::needs_flush);  // not flushed yet
  EXPECT_EQ(q.push(kId, bytes("bbbbbb")), SendQueue::Push::overflow);
  EXPECT_EQ(q.finish_cut(ConnId{kId.index, kId.generation + 1}, io), SendQueue::After::idle)
      << "a stale id does nothing";
  EXPECT_TRUE(io.sends.empty());
  EXPECT_EQ(q.finish_cut(kId, io), SendQueue::After::sending);
  ASSERT_EQ(io.sends.size(), 1u);
  EXPECT_EQ(io.sends[0].buffers, std::vector<std::string>{"NOTICE"});
  EXPECT_EQ(q.on_sent(io), SendQueue::After::close_now);
}

// A flush already due (a worker's batch) may send the notice and drain the queue before the
// cut is finished: the drain's close_now is the only one, so the close is not done twice (a
// second, abrupt one would skip the wait for the peer and could reset what it has not read).
TEST(SendQueueTest, ACutDrainedByAFlushAlreadyDueIsNotClosedAgain) {
  RecordingIo io;
  SendQueue q(10, bytes("NOTICE"));
  q.open(kId);
  EXPECT_EQ(q.push(kId, bytes("aaaaaa")), SendQueue::Push::needs_flush);
  EXPECT_EQ(q.push(kId, bytes("bbbbbb")), SendQueue::Push::overflow);
  EXPECT_EQ(q.flush(kId, io), 1u) << "the batch's flush sends the notice";
  EXPECT_EQ(q.on_sent(io), SendQueue::After::close_now);
  EXPECT_EQ(q.finish_cut(kId, io), SendQueue::After::idle);
  EXPECT_EQ(io.sends.size(), 1u);
}

// The last promise settled can take the queue over the cap with the held-back last frame: the
// overflow is reported, not hidden behind the Ack's own needs_flush.
TEST(SendQueueTest, AnOverflowBySettlingThePromisesIsReported) {
  RecordingIo io;
  SendQueue q(10, bytes("N"));
  q.open(kId);
  ASSERT_TRUE(q.promise(kId));
  EXPECT_EQ(q.push_last(kId, bytes("lastlast")), SendQueue::Push::queued);  // held back
  EXPECT_EQ(q.keep_promise(kId, bytes("ack")), SendQueue::Push::overflow);
}

TEST(SendQueueTest, ACutWithoutANoticeAndNothingInFlightClosesAtOnce) {
  RecordingIo io;
  SendQueue q(10);
  q.open(kId);
  q.push(kId, bytes("aaaaaa"));
  EXPECT_EQ(q.push(kId, bytes("bbbbbb")), SendQueue::Push::overflow);
  EXPECT_EQ(q.finish_cut(kId, io), SendQueue::After::close_now);
  EXPECT_TRUE(io.sends.empty());
}

// Acks promised before the cut are not waited for: the peer is not reading.
TEST(SendQueueTest, ACutDropsThePromises) {
  RecordingIo io;
  SendQueue q(10, bytes("N"));
  q.open(kId);
  ASSERT_TRUE(q.promise(kId));
  q.push(kId, bytes("aaaaaa"));
  EXPECT_EQ(q.push(kId, bytes("bbbbbb")), SendQueue::Push::overflow);
  EXPECT_EQ(q.keep_promise(kId, bytes("ack")), SendQueue::Push::closed);
  EXPECT_EQ(q.finish_cut(kId, io), SendQueue::After::sending);
  EXPECT_EQ(q.on_sent(io), SendQueue::After::close_now) << "no promise left to wait for";
}

TEST(SendQueueTest, StaleIdIsRefused) {
  SendQueue q(100);
  q.open(kId);
  EXPECT_EQ(q.push(ConnId{3, 2}, bytes("x")), SendQueue::Push::closed);
  q.reset();
  EXPECT_EQ(q.push(kId, bytes("x")), SendQueue::Push::closed);
}

TEST(SendQueueTest, CloseWhenDrainedWaitsForTheQueue) {
  RecordingIo io;
  SendQueue q(100);
  q.open(kId);
  q.push(kId, bytes("last words"));
  q.flush(kId, io);
  EXPECT_EQ(q.close_when_drained(), SendQueue::After::sending);
  EXPECT_EQ(q.push(kId, bytes("too late")), SendQueue::Push::closed);
  EXPECT_EQ(q.on_sent(io), SendQueue::After::close_now);

  SendQueue empty(100);
  empty.open(kId);
  EXPECT_EQ(empty.close_when_drained(), SendQueue::After::close_now);
}

TEST(SendQueueTest, LargeBacklogIsSentInBoundedBatches) {
  RecordingIo io;
  SendQueue q(1 << 20);
  q.open(kId);
  for (int i = 0; i < 2000; ++i) {
    q.push(kId, bytes(std::to_string(i)));
  }
  q.flush(kId, io);
  while (q.on_sent(io) == SendQueue::After::sending) {
  }
  std::vector<std::string> all;
  for (const auto& s : io.sends) {
    EXPECT_LE(s.buffers.size(), 512u);
    all.insert(all.end(), s.buffers.begin(), s.buffers.end());
  }
  ASSERT_EQ(all.size(), 2000u);
  EXPECT_GE(io.sends.size(), 4u);
  for (int i = 0; i < 2000; ++i) {
    EXPECT_EQ(all[static_cast<std::size_t>(i)], std::to_string(i));
  }
}

// Pushes keep arriving while a long backlog drains, as in a burst: every frame leaves once, in
// order, however the queue compacts the slots already sent.
TEST(SendQueueTest, BacklogGrowingWhileItDrainsKeepsOrder) {
  RecordingIo io;
  SendQueue q(1 << 20);
  q.open(kId);
  int pushed = 0;
  for (; pushed < 300; ++pushed) {
    q.push(kId, bytes(std::to_string(pushed)));
  }
  q.flush(kId, io);
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 50; ++i, ++pushed) {
      q.push(kId, bytes(std::to_string(pushed)));
    }
    ASSERT_EQ(q.on_sent(io), SendQueue::After::sending);
  }
  while (q.on_sent(io) == SendQueue::After::sending) {
  }
  std::vector<std::string> all;
  for (const auto& s : io.sends) {
    all.insert(all.end(), s.buffers.begin(), s.buffers.end());
  }
  ASSERT_EQ(all.size(), static_cast<std::size_t>(pushed));
  for (int i = 0; i < pushed; ++i) {
    ASSERT_EQ(all[static_cast<std::size_t>(i)], std::to_string(i));
  }
  EXPECT_EQ(q.queued_bytes(), 0u);
}

// A free queue's owner is the invalid id, and so is what a sweep reads from a slot between two
// connections: neither a frame nor a last frame addressed to it may land in the free queue.
TEST(SendQueueTest, AFreeQueueRefusesTheInvalidId) {
  RecordingIo io;
  SendQueue q(1024);
  EXPECT_EQ(q.push(ConnId{}, bytes("stray")), SendQueue::Push::closed);
  EXPECT_EQ(q.push_last(ConnId{}, bytes("stray error")), SendQueue::Push::closed);
  EXPECT_FALSE(q.promise(ConnId{}));
  q.open(kId);
  EXPECT_EQ(q.push(kId, bytes("welcome")), SendQueue::Push::needs_flush);
  EXPECT_EQ(q.flush(kId, io), 1u);
  ASSERT_EQ(io.sends.size(), 1u);
  EXPECT_EQ(io.sends[0].buffers, std::vector<std::string>{"welcome"});
}

// A close asked for while a frame is promised waits for it: the promised frame, then the close.
TEST(SendQueueTest, ACloseWaitsForThePromisedFrame) {
  RecordingIo io;
  SendQueue q(1024);
  q.open(kId);
  ASSERT_TRUE(q.promise(kId));
  EXPECT_EQ(q.close_when_drained(), SendQueue::After::sending) << "not while a frame is owed";
  EXPECT_EQ(q.push(kId, bytes("late reply")), SendQueue::Push::closed);
  EXPECT_FALSE(q.promise(kId)) << "nothing new is promised once closing";
  EXPECT_EQ(q.keep_promise(kId, bytes("ack")), SendQueue::Push::needs_flush);
  EXPECT_EQ(q.flush(kId, io), 1u);
  EXPECT_EQ(q.on_sent(io), SendQueue::After::close_now);
  ASSERT_EQ(io.sends.size(), 1u);
  EXPECT_EQ(io.sends[0].buffers, std::vector<std::string>{"ack"});
}

// A last frame (a fatal Error, the shutdown notice) pushed while frames are promised goes after
// them, whether they are kept or dropped.
TEST(SendQueueTest, TheLastFrameWaitsForEveryPromise) {
  RecordingIo io;
  SendQueue q(1024);
  q.open(kId);
  ASSERT_TRUE(q.promise(kId));
  ASSERT_TRUE(q.promise(kId));
  EXPECT_EQ(q.push_last(kId, bytes("error")), SendQueue::Push::queued);
  EXPECT_EQ(q.queued_bytes(), 0u) << "held back, not queued";
  EXPECT_EQ(q.keep_promise(kId, bytes("ack1")), SendQueue::Push::needs_flush);
  EXPECT_EQ(q.drop_promise(kId), SendQueue::Push::queued) << "the flush is due already";
  EXPECT_EQ(q.flush(kId, io), 2u);
  ASSERT_EQ(io.sends.size(), 1u);
  EXPECT_EQ(io.sends[0].buffers, (std::vector<std::string>{"ack1", "error"}));
  EXPECT_EQ(q.on_sent(io), SendQueue::After::close_now);
}

// A promise outlives nothing: the slot's next connection starts with none, and a stale keeper
// cannot reach it.
TEST(SendQueueTest, PromisesEndWithTheConnection) {
  RecordingIo io;
  SendQueue q(1024);
  const ConnId next{kId.index, kId.generation + 1};
  q.open(kId);
  ASSERT_TRUE(q.promise(kId));
  q.reset();
  q.open(next);
  EXPECT_EQ(q.keep_promise(kId, bytes("stale ack")), SendQueue::Push::closed);
  EXPECT_EQ(q.keep_promise(next, bytes("unpromised")), SendQueue::Push::closed);
  EXPECT_EQ(q.close_when_drained(), SendQueue::After::close_now) << "nothing owed, nothing queued";
}

}  // namespace
}  // namespace chat::net
