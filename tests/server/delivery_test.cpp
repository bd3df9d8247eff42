// Delivery and FlushBatch: when the frames queued to sessions are handed to the I/O service.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "delivery.h"
#include "session_pool.h"
#include "support/open_sessions.h"

namespace chat::server {
namespace {

// A message with `text` in it, as the fan-out shares it, and the bytes it sends.
proto::Envelope message(const std::string& text) {
  proto::Envelope env;
  env.mutable_notice()->set_text(text);
  return env;
}
wire::FramedMessage frame(const std::string& text) {
  return wire::FramedMessage(message(text));
}
std::string bytes(const std::string& text) {
  return *wire::encode(message(text));
}

class DeliveryTest : public chat::testing::OpenSessionsTest {
 protected:
  DeliveryTest() : OpenSessionsTest(1024) {}
};

TEST_F(DeliveryTest, WithoutABatchEachDeliverySendsWhenItEnds) {
  {
    Delivery out(pool_, io_);
    out.push(id(0), frame("a"));
    out.push(id(1), frame("a"));
    EXPECT_TRUE(io_.sends.empty()) << "nothing is sent while the delivery is open";
  }
  ASSERT_EQ(io_.sends.size(), 2u);
  EXPECT_EQ(io_.sends[0].id, id(0));
  EXPECT_EQ(io_.sends[1].id, id(1));
}

// Three requests in one received chunk, each answered to the same two sessions: one gathered send
// per session when the batch ends, carrying the frames in order.
TEST_F(DeliveryTest, ABatchGathersEveryDeliveryToASessionIntoOneSend) {
  {
    FlushBatch batch(pool_, io_);
    for (const char* text : {"m1", "m2", "m3"}) {
      Delivery out(pool_, io_);
      out.push(id(0), frame(text));
      out.push(id(2), frame(text));
    }
    EXPECT_TRUE(io_.sends.empty()) << "sends wait for the end of the batch";
  }
  ASSERT_EQ(io_.sends.size(), 2u);
  EXPECT_EQ(io_.sends[0].id, id(0));
  EXPECT_EQ(io_.sends[0].buffers,
            (std::vector<std::string>{bytes("m1"), bytes("m2"), bytes("m3")}));
  EXPECT_EQ(io_.sends[1].id, id(2));
  EXPECT_EQ(io_.sends[1].buffers,
            (std::vector<std::string>{bytes("m1"), bytes("m2"), bytes("m3")}));
  EXPECT_EQ(FlushBatch::current(), nullptr);
}

TEST_F(DeliveryTest, ANestedBatchJoinsTheOutermost) {
  {
    FlushBatch outer(pool_, io_);
    {
      FlushBatch inner(pool_, io_);
      EXPECT_EQ(FlushBatch::current(), &outer);
      Delivery out(pool_, io_);
      out.push(id(1), frame("x"));
    }
    EXPECT_TRUE(io_.sends.empty()) << "the inner batch's end flushes nothing";
  }
  ASSERT_EQ(io_.sends.size(), 1u);
  EXPECT_EQ(io_.sends[0].id, id(1));
}

// flush_for() with no time to spare starts one send per call, oldest first. A frame for a session
// still waiting leaves with that session's send; a session given frames after its send is done
// goes to the back, behind those still waiting.
TEST_F(DeliveryTest, FlushingInSlicesKeepsTheLineAndSendsLateFramesAlong) {
  using namespace std::chrono_literals;
  FlushBatch batch(pool_, io_);
  {
    Delivery out(pool_, io_);
    out.push(id(0), frame("a"));
    out.push(id(1), frame("a"));
    out.push(id(2), frame("a"));
  }
  EXPECT_TRUE(batch.flush_for(0ns));
  ASSERT_EQ(io_.sends.size(), 1u);
  EXPECT_EQ(io_.sends[0].id, id(0));
  EXPECT_EQ(pool_.at(id(0)).outbox.on_sent(io_), net::SendQueue::After::idle);
  {
    Delivery out(pool_, io_);
    out.push(id(0), frame("b"));  // its send is done: back of the line
    out.push(id(1), frame("b"));  // still waiting: leaves with its send
  }
  EXPECT_TRUE(batch.flush_for(0ns));
  EXPECT_TRUE(batch.flush_for(0ns));
  EXPECT_FALSE(batch.flush_for(0ns)) << "the last send was started: nothing is left";
  ASSERT_EQ(io_.sends.size(), 4u);
  EXPECT_EQ(io_.sends[1].id, id(1));
  EXPECT_EQ(io_.sends[1].buffers, (std::vector<std::string>{bytes("a"), bytes("b")}));
  EXPECT_EQ(io_.sends[2].id, id(2));
  EXPECT_EQ(io_.sends[3].id, id(0));
  EXPECT_EQ(io_.sends[3].buffers, (std::vector<std::string>{bytes("b")}));
  EXPECT_FALSE(batch.flush_for(0ns));
  EXPECT_EQ(io_.sends.size(), 4u);
}

// A send that carries a backlog (a burst) makes flush_for() start every send, whatever its budget:
// in a burst, slices would only make each send gather less.
TEST_F(DeliveryTest, ABackloggedSendEndsTheSlicing) {
  using namespace std::chrono_literals;
  FlushBatch batch(pool_, io_);
  {
    Delivery out(pool_, io_);
    for (int i = 0; i < 40; ++i) {
      out.push(id(0), frame("m"));
    }
    out.push(id(1), frame("a"));
    out.push(id(2), frame("a"));
  }
  EXPECT_FALSE(batch.flush_for(0ns));
  ASSERT_EQ(io_.sends.size(), 3u);
  EXPECT_EQ(io_.sends[0].buffers.size(), 40u);
  EXPECT_EQ(io_.sends[2].id, id(2));
}

// A session whose queue overflows is handed on to be cut off (on a worker: posted), batch or
// not; the others still get their frames.
TEST_F(DeliveryTest, OverflowInABatchStillReachesTheOthers) {
  {
    FlushBatch batch(pool_, io_);
    Delivery out(pool_, io_);
    out.push(id(0), frame(std::string(2000, 'x')));  // over the 1024-byte cap
    out.push(id(1), frame("fine"));
  }
  ASSERT_EQ(io_.sends.size(), 1u);
  EXPECT_EQ(io_.sends[0].id, id(1));
  EXPECT_TRUE(cut_off_.empty()) << "never inline: the pusher may hold a room lock";
  io_.run_posted();
  EXPECT_EQ(cut_off_, std::vector<net::ConnId>{id(0)});
}

}  // namespace
}  // namespace chat::server
