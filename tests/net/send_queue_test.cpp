#include "net/send_queue.h"

#include <gtest/gtest.h>

namespace chat::net {
namespace {

// Records start_send calls instead of doing I/O.
class RecordingIo final : public IoService {
 public:
  std::vector<std::vector<std::string>> sends;
  std::error_code listen(const Endpoint&, Endpoint*) override { return {}; }
  void stop_accepting() override {}
  ConnId connect(const Endpoint&, const Endpoint&, std::error_code&) override { return {}; }
  void start_recv(ConnId) override {}
  void start_send(ConnId, std::span<const ByteSpan> buffers) override {
    std::vector<std::string> gathered;
    for (const ByteSpan& b : buffers) {
      gathered.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
    }
    sends.push_back(std::move(gathered));
  }
  void shutdown_send(ConnId) override {}
  void close(ConnId) override {}
  void post(std::function<void()>) override {}
  void run() override {}
  void stop() override {}
  std::string backend_name() const override { return "recording"; }
};

SharedBytes bytes(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

constexpr ConnId kId{3, 1};

TEST(SendQueueTest, OneSendInFlightAndTheRestGathered) {
  RecordingIo io;
  SendQueue q(1024);
  q.open(kId);
  EXPECT_EQ(q.push(kId, bytes("a")), SendQueue::Push::needs_flush);
  q.flush(io);
  EXPECT_EQ(q.push(kId, bytes("b")), SendQueue::Push::queued);
  EXPECT_EQ(q.push(kId, bytes("c")), SendQueue::Push::queued);
  q.flush(io);  // no second send while one is in flight
  ASSERT_EQ(io.sends.size(), 1u);
  EXPECT_EQ(io.sends[0], std::vector<std::string>{"a"});
  EXPECT_EQ(q.on_sent(io), SendQueue::After::sending);
  ASSERT_EQ(io.sends.size(), 2u);
  EXPECT_EQ(io.sends[1], (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(q.on_sent(io), SendQueue::After::idle);
  EXPECT_EQ(q.queued_bytes(), 0u);
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
  q.flush(io);
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
  for (int i = 0; i < 200; ++i) {
    q.push(kId, bytes(std::to_string(i)));
  }
  q.flush(io);
  while (q.on_sent(io) == SendQueue::After::sending) {
  }
  std::vector<std::string> all;
  for (const auto& s : io.sends) {
    EXPECT_LE(s.size(), 64u);
    all.insert(all.end(), s.begin(), s.end());
  }
  ASSERT_EQ(all.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(all[static_cast<std::size_t>(i)], std::to_string(i));
  }
}

}  // namespace
}  // namespace chat::net
