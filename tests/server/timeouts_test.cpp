// Handshake timeout and heartbeat: connections that never join or go silent are closed, with an
// error that says why; clients that answer the heartbeat stay.
#include <gtest/gtest.h>

#include <memory>

#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

using namespace std::chrono_literals;

class TimeoutsTest : public ::testing::Test {
 protected:
  std::unique_ptr<TestClient> joined(TestServer& server, const std::string& nick) {
    return joined_client(network_, server.endpoint(), nick);
  }
  static std::optional<Envelope> left_presence(TestClient& c) {
    return left_presence_within(c, kWait);
  }
  static std::optional<Envelope> left_presence_within(TestClient& c,
                                                      std::chrono::milliseconds timeout) {
    return c.wait_for(
        [](const Envelope& e) {
          return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
        },
        timeout);
  }
  client::ClientNetwork network_{2, 64, test_io_backend()};
};

TEST_F(TimeoutsTest, AConnectionThatNeverJoinsIsToldAndClosed) {
  server::ServerConfig cfg = test_config();
  cfg.handshake_timeout = 300ms;
  TestServer server(cfg);
  auto alice = joined(server, "alice");  // joined in time: unaffected
  TestClient idle(network_, server.endpoint());
  ASSERT_TRUE(idle.connected()) << idle.connect_error();
  const auto err = idle.wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::HANDSHAKE_TIMEOUT);
  EXPECT_TRUE(err->error().fatal());
  EXPECT_TRUE(idle.wait_closed());
  Envelope echo;
  echo.mutable_echo()->set_text("still here");
  ASSERT_TRUE(alice->send(echo));
  const auto reply = alice->wait_for(Envelope::kEchoReply);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->echo_reply().text(), "still here");
}

TEST_F(TimeoutsTest, AnIdleClientIsPingedAndStaysByAnswering) {
  server::ServerConfig cfg = test_config();
  cfg.heartbeat_interval = 100ms;
  cfg.heartbeat_timeout = 500ms;
  TestServer server(cfg);
  TestClient alice(network_, server.endpoint());
  ASSERT_TRUE(alice.connected()) << alice.connect_error();
  const Envelope welcome = alice.join("alice");
  ASSERT_TRUE(welcome.has_welcome());
  EXPECT_EQ(welcome.welcome().limits().heartbeat_interval_ms(), 100u);
  EXPECT_EQ(welcome.welcome().limits().heartbeat_timeout_ms(), 500u);
  // Six pings, each answered by the client core: together far longer than the timeout.
  const auto pings = alice.wait_count([](const Envelope& e) { return e.has_ping(); }, 6);
  ASSERT_EQ(pings.size(), 6u);
  EXPECT_EQ(pings[0].request_id(), 0u);
  Envelope echo;
  echo.mutable_echo()->set_text("alive");
  ASSERT_TRUE(alice.send(echo));
  const auto reply = alice.wait_for(Envelope::kEchoReply);
  ASSERT_TRUE(reply) << "the connection was dropped although every ping was answered";
  EXPECT_EQ(reply->echo_reply().text(), "alive");
}

TEST_F(TimeoutsTest, AClientThatGoesSilentIsDroppedAndItsRoomsAreTold) {
  server::ServerConfig cfg = test_config();
  cfg.heartbeat_interval = 100ms;
  cfg.heartbeat_timeout = 400ms;
  TestServer server(cfg);
  auto bob = joined(server, "bob");
  auto mallory = joined(server, "mallory");
  mallory->pause_receiving();  // reads nothing, so answers no ping
  const auto left = left_presence(*bob);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().nickname(), "mallory");
  EXPECT_EQ(left->presence().reason(), "disconnect: silent too long (heartbeat timeout)");
  mallory->resume_receiving();
  const auto err = mallory->wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::HEARTBEAT_TIMEOUT);
  EXPECT_TRUE(err->error().fatal());
  EXPECT_TRUE(mallory->wait_closed());
}

// Slowloris after join: bytes of a frame that never completes are not activity. A client that
// trickles one byte at a time, far faster than the heartbeat, is still dropped once its frame
// has stayed incomplete past the heartbeat timeout, and is told why.
TEST_F(TimeoutsTest, AFrameTrickledByteByByteIsNotActivity) {
  server::ServerConfig cfg = test_config();
  cfg.heartbeat_interval = std::chrono::milliseconds(100);
  cfg.heartbeat_timeout = std::chrono::milliseconds(500);
  TestServer server(cfg);
  auto bob = joined(server, "bob");
  auto mallory = joined(server, "mallory");
  mallory->pause_receiving();  // answers no Ping: only the trickle could look alive
  Envelope echo;
  echo.set_request_id(7);
  echo.mutable_echo()->set_text(std::string(2000, 'x'));
  const std::string frame = frame_bytes(echo.SerializeAsString());
  // One byte every 20 ms, bounded: 2 s is four heartbeat timeouts, a tenth of the frame.
  std::optional<Envelope> left;
  for (std::size_t i = 0; i < 100 && !left; ++i) {
    if (!mallory->send_raw(frame.substr(i, 1))) {
      break;  // closed by the server
    }
    left = left_presence_within(*bob, 20ms);
  }
  if (!left) {
    left = left_presence_within(*bob, 1s);
  }
  ASSERT_TRUE(left) << "a client trickling an endless frame was never dropped";
  EXPECT_EQ(left->presence().nickname(), "mallory");
  mallory->resume_receiving();
  const auto err = mallory->wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::HEARTBEAT_TIMEOUT);
  EXPECT_NE(err->error().message().find("incomplete"), std::string::npos) << err->error().message();
  EXPECT_TRUE(mallory->wait_closed());
}

}  // namespace
}  // namespace chat::testing
