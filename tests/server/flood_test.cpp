// Flood control: the token bucket itself, and what a flooding client and its neighbours see.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/test_client.h"
#include "support/test_server.h"
#include "token_bucket.h"

namespace chat::testing {
namespace {

using server::TokenBucket;
using namespace std::chrono_literals;

TEST(TokenBucketTest, BurstThenRate) {
  const TokenBucket::Clock::time_point t0{};
  TokenBucket bucket(2, 3);  // 2 a second, bursts of 3
  bucket.reset(t0);
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0)) << "the burst is spent";
  EXPECT_FALSE(bucket.take(t0 + 400ms)) << "0.8 of a token is not one";
  EXPECT_TRUE(bucket.take(t0 + 500ms));
  EXPECT_FALSE(bucket.take(t0 + 500ms));
  // A long pause refills only up to the burst.
  EXPECT_TRUE(bucket.take(t0 + 60s));
  EXPECT_TRUE(bucket.take(t0 + 60s));
  EXPECT_TRUE(bucket.take(t0 + 60s));
  EXPECT_FALSE(bucket.take(t0 + 60s));
}

TEST(TokenBucketTest, RateZeroIsOff) {
  TokenBucket bucket(0, 1);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(bucket.take(TokenBucket::Clock::time_point{}));
  }
}

class FloodTest : public ::testing::Test {
 protected:
  static server::ServerConfig flood_config(std::uint32_t burst) {
    server::ServerConfig cfg = test_config();
    cfg.flood_burst = burst;
    cfg.flood_rate = 1;  // slow enough that a test's few milliseconds refill nothing much
    return cfg;
  }
  std::unique_ptr<TestClient> joined(TestServer& server, const std::string& nick) {
    return joined_client(network_, server.endpoint(), nick);
  }
  // `n` Echo frames in one write, so they arrive together.
  static std::string echo_frames(int n) {
    std::string bytes;
    for (int i = 0; i < n; ++i) {
      Envelope echo;
      echo.set_request_id(static_cast<std::uint64_t>(1000 + i));
      echo.mutable_echo()->set_text("flood");
      bytes += frame_bytes(echo.SerializeAsString());
    }
    return bytes;
  }
  client::ClientNetwork network_{2, 64, test_io_backend()};
};

TEST_F(FloodTest, WelcomeStatesTheLimitsAndQuitIsNeverLimited) {
  TestServer server(flood_config(3));
  TestClient alice(network_, server.endpoint());
  ASSERT_TRUE(alice.connected()) << alice.connect_error();
  const Envelope welcome = alice.join("alice");  // takes one token of three
  ASSERT_TRUE(welcome.has_welcome());
  EXPECT_EQ(welcome.welcome().limits().flood_burst(), 3u);
  EXPECT_EQ(welcome.welcome().limits().flood_rate(), 1u);
  auto bob = joined(server, "bob");
  ASSERT_TRUE(alice.send_raw(echo_frames(3)));  // two fit, the third is over
  const auto refused = alice.wait_for(Envelope::kError);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->error().code(), proto::RATE_LIMITED);
  EXPECT_FALSE(refused->error().fatal());
  EXPECT_EQ(refused->error().request(), "echo");
  EXPECT_EQ(refused->request_id(), 1002u) << "the third echo is the one refused";
  Envelope quit;
  quit.mutable_quit()->set_reason("bye");
  ASSERT_TRUE(alice.send(quit));
  const auto left = bob->wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().reason(), "quit: bye");
}

TEST_F(FloodTest, AClientThatKeepsFloodingIsDisconnectedAndOthersChatOn) {
  constexpr std::uint32_t kBurst = 5;
  TestServer server(flood_config(kBurst));
  auto alice = joined(server, "alice");
  auto mallory = joined(server, "mallory");  // one token spent on the Join
  ASSERT_TRUE(mallory->send_raw(echo_frames(50)));
  ASSERT_TRUE(mallory->wait_closed());
  std::size_t replies = 0, refusals = 0, fatal = 0;
  for (const Envelope& e : mallory->take_all()) {
    replies += e.has_echo_reply() ? 1 : 0;
    if (e.has_error()) {
      EXPECT_EQ(e.error().code(), proto::RATE_LIMITED);
      (e.error().fatal() ? fatal : refusals) += 1;
    }
  }
  EXPECT_GE(replies, kBurst - 1) << "the rest of the burst is served";
  EXPECT_LT(replies, 50u);
  EXPECT_EQ(refusals, kBurst - 1) << "then refusals, until a whole burst was refused";
  EXPECT_EQ(fatal, 1u);
  const auto left = alice->wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().nickname(), "mallory");
  EXPECT_EQ(left->presence().reason(), "disconnect: flooding (kept sending over the rate limit)");
  auto bob = joined(server, "bob");
  alice->take_all();
  ASSERT_TRUE(bob->broadcast("lobby", "calm again", 1));
  const auto said = alice->wait_for([](const Envelope& e) { return e.has_chat_message(); });
  ASSERT_TRUE(said);
  EXPECT_EQ(said->chat_message().text(), "calm again");
}

// Many senders, each within its own flood allowance, whisper to one user who has stopped
// reading. What that user receives in whispers is capped (the senders get RATE_LIMITED), so it
// keeps its connection instead of being cut as a slow reader.
TEST(WhisperCapTest, APausedReaderUnderAWhisperFloodKeepsItsConnection) {
  server::ServerConfig cfg = test_config();
  cfg.whisper_bytes_per_s = 8 * 1024;
  cfg.send_queue_soft_bytes = 0;
  cfg.max_send_queue_bytes = 256 * 1024;  // far below what the senders below would queue
  TestServer server(cfg);
  client::ClientNetwork network{2, 256, test_io_backend()};
  auto target = joined_client(network, server.endpoint(), "target");
  target->pause_receiving();
  std::vector<std::unique_ptr<TestClient>> senders;
  for (int i = 0; i < 10; ++i) {
    senders.push_back(joined_client(network, server.endpoint(), "sender" + std::to_string(i)));
  }
  // 10 x 400 whispers of 4 KB: 16 MB, more than the queue and every socket buffer hold.
  const std::string text(4000, 'w');
  for (int round = 0; round < 400; ++round) {
    for (auto& s : senders) {
      ASSERT_TRUE(s->whisper("target", text, static_cast<std::uint64_t>(round + 1)));
    }
  }
  std::size_t refused = 0;
  for (auto& s : senders) {
    const auto answers =
        s->wait_count([](const Envelope& e) { return e.has_ack() || e.has_error(); }, 400);
    ASSERT_EQ(answers.size(), 400u);
    for (const Envelope& e : answers) {
      if (e.has_error()) {
        EXPECT_EQ(e.error().code(), proto::RATE_LIMITED);
        EXPECT_FALSE(e.error().fatal());
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, 3000u) << "the cap let most of the flood through";
  target->resume_receiving();
  Envelope echo;
  echo.mutable_echo()->set_text("still connected");
  ASSERT_TRUE(target->send(echo));
  const auto reply = target->wait_for(Envelope::kEchoReply);
  ASSERT_TRUE(reply) << "the paused reader was cut off";
  EXPECT_EQ(reply->echo_reply().text(), "still connected");
  for (const Envelope& e : target->take_all()) {
    EXPECT_FALSE(e.has_error() && e.error().fatal()) << e.ShortDebugString();
  }
}

}  // namespace
}  // namespace chat::testing
