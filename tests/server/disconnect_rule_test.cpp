// One rule for every way out (docs/protocol.md, "Disconnects"): once the server knows a joined
// connection is ending, its rooms get Presence LEFT with the reason and its nickname is free, at
// once, whatever the connection itself still takes to close. One test per row of the table.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

// Shorter than the linger below: a LEFT that waits for the close comes too late.
constexpr auto kAtOnce = 3s;

std::function<bool(const Envelope&)> is_left_of(std::string nick) {
  return [nick = std::move(nick)](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT &&
           e.presence().nickname() == nick;
  };
}

class DisconnectRuleTest : public ::testing::Test {
 protected:
  static server::ServerConfig config() {
    server::ServerConfig cfg = test_config();
    cfg.linger = std::chrono::milliseconds(8000);  // a close that waits for its peer is slow
    return cfg;
  }

  void start(const server::ServerConfig& cfg) {
    server_ = std::make_unique<TestServer>(cfg);
    alice_ = joined_client(network_, server_->endpoint(), "alice");
    bob_ = joined_client(network_, server_->endpoint(), "bob");
    // alice has heard bob arrive: every Presence after this is news.
    ASSERT_TRUE(alice_->wait_for([](const Envelope& e) {
      return e.has_presence() && e.presence().kind() == proto::Presence::JOINED &&
             e.presence().nickname() == "bob";
    }));
  }

  // The rule, seen from outside: alice is told bob left, with `reason`, within kAtOnce, and
  // "bob" can be joined by someone else right then. Then bob's own last frame is `error`
  // (ERROR_CODE_UNSPECIFIED: no Error) and its connection ends.
  void expect_rule(const std::string& reason, proto::ErrorCode error) {
    const auto left = alice_->wait_for(is_left_of("bob"), kAtOnce);
    ASSERT_TRUE(left) << "no Presence LEFT for bob at once";
    EXPECT_EQ(left->presence().reason(), reason);
    expect_nickname_free_at_once("bob");
    bob_->resume_receiving();
    ASSERT_TRUE(bob_->wait_closed());
    const std::vector<Envelope> got = bob_->take_all();
    std::optional<proto::ErrorCode> fatal;
    for (const Envelope& e : got) {
      if (e.has_error() && e.error().fatal()) {
        fatal = e.error().code();
      }
    }
    if (error == proto::ERROR_CODE_UNSPECIFIED) {
      EXPECT_FALSE(fatal) << "unexpected fatal error " << proto::ErrorCode_Name(*fatal);
    } else {
      ASSERT_TRUE(fatal) << "no fatal Error";
      EXPECT_EQ(*fatal, error);
    }
  }

  // The LEFT goes out just before the nickname is released (so that nobody sees the new holder
  // join before the old one leave): a join racing the LEFT may still meet NICKNAME_TAKEN, and a
  // client retries, as docs/protocol.md says. Free "at once" means within kAtOnce, while the
  // leaving connection itself lingers for much longer.
  void expect_nickname_free_at_once(const std::string& nick) {
    TestClient again(network_, server_->endpoint());
    ASSERT_TRUE(again.connected()) << again.connect_error();
    const auto deadline = std::chrono::steady_clock::now() + kAtOnce;
    Envelope answer;
    do {
      answer = again.join(nick);
    } while (answer.has_error() && answer.error().code() == proto::NICKNAME_TAKEN &&
             std::chrono::steady_clock::now() < deadline);
    EXPECT_TRUE(answer.has_welcome())
        << "the nickname was not free at once: " << answer.ShortDebugString();
  }

  client::ClientNetwork network_{2, 64, test_io_backend()};
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<TestClient> alice_;
  std::unique_ptr<TestClient> bob_;
};

TEST_F(DisconnectRuleTest, Quit) {
  start(config());
  Envelope quit;
  quit.mutable_quit()->set_reason("lunch");
  bob_->pause_receiving();
  ASSERT_TRUE(bob_->send(quit));
  expect_rule("quit: lunch", proto::ERROR_CODE_UNSPECIFIED);
}

TEST_F(DisconnectRuleTest, EndOfStream) {
  start(config());
  bob_->pause_receiving();
  bob_->finish_sending();
  expect_rule("disconnect: connection closed by client", proto::ERROR_CODE_UNSPECIFIED);
}

TEST_F(DisconnectRuleTest, MalformedFrame) {
  start(config());
  bob_->pause_receiving();
  ASSERT_TRUE(bob_->send_raw(frame_bytes("\xff\xff\xff garbage")));
  expect_rule("disconnect: protocol error", proto::MALFORMED_FRAME);
}

TEST_F(DisconnectRuleTest, Flooding) {
  server::ServerConfig cfg = config();
  cfg.flood_rate = 1;
  cfg.flood_burst = 3;
  start(cfg);
  bob_->pause_receiving();
  std::string burst;
  for (int i = 0; i < 10; ++i) {
    Envelope echo;
    echo.set_request_id(static_cast<std::uint64_t>(100 + i));
    echo.mutable_echo()->set_text("x");
    burst += frame_bytes(echo.SerializeAsString());
  }
  ASSERT_TRUE(bob_->send_raw(burst));
  expect_rule("disconnect: flooding (kept sending over the rate limit)", proto::RATE_LIMITED);
}

TEST_F(DisconnectRuleTest, SlowReader) {
  server::ServerConfig cfg = config();
  cfg.send_queue_soft_bytes = 0;
  cfg.max_send_queue_bytes = 64 * 1024;
  start(cfg);
  bob_->pause_receiving();
  const std::string text(cfg.max_text_bytes, 'x');
  // Far more than bob's queue and socket buffers hold; alice reads on, bob never does.
  std::optional<Envelope> left;
  for (std::uint64_t i = 1; i <= 4000 && !left; ++i) {
    ASSERT_TRUE(alice_->broadcast("lobby", text, i));
    if (i % 100 == 0) {
      left = alice_->wait_for(is_left_of("bob"), 1ms);
    }
  }
  if (!left) {
    left = alice_->wait_for(is_left_of("bob"), kAtOnce);
  }
  ASSERT_TRUE(left) << "bob was never cut off";
  EXPECT_EQ(left->presence().reason(), "disconnect: too slow to read (send queue full)");
  // The server has fanned out all of alice's broadcasts once it answers her echo (it serves her
  // frames in order): the next bob must not join into that burst, which its small queue would
  // not hold either.
  Envelope echo;
  echo.mutable_echo()->set_text("done");
  ASSERT_TRUE(alice_->send(echo));
  ASSERT_TRUE(alice_->wait_for(Envelope::kEchoReply));
  expect_nickname_free_at_once("bob");
  // bob reads again: whole frames only, the last one its fatal Error, then the end of the
  // stream on a frame boundary (a cut frame would end it "inside a frame").
  bob_->resume_receiving();
  ASSERT_TRUE(bob_->wait_closed());
  EXPECT_EQ(bob_->close_reason(), "server closed the connection");
  const std::vector<Envelope> got = bob_->take_all();
  ASSERT_FALSE(got.empty());
  ASSERT_TRUE(got.back().has_error()) << got.back().ShortDebugString();
  EXPECT_EQ(got.back().error().code(), proto::SLOW_READER);
  EXPECT_TRUE(got.back().error().fatal());
}

TEST_F(DisconnectRuleTest, HeartbeatTimeout) {
  server::ServerConfig cfg = config();
  cfg.heartbeat_interval = std::chrono::milliseconds(100);
  cfg.heartbeat_timeout = std::chrono::milliseconds(400);
  start(cfg);
  bob_->pause_receiving();  // answers no Ping
  expect_rule("disconnect: silent too long (heartbeat timeout)", proto::HEARTBEAT_TIMEOUT);
}

TEST_F(DisconnectRuleTest, Kick) {
  start(config());
  bob_->pause_receiving();
  server_->server().run_console_command("kick bob enough");
  expect_rule("disconnect: kicked by an operator", proto::KICKED);
}

TEST_F(DisconnectRuleTest, Ban) {
  start(config());
  bob_->pause_receiving();
  server_->server().run_console_command("ban bob 1h spam");
  // A banned nickname is not free for anyone: the rule's "free" is for the ban to decide.
  const auto left = alice_->wait_for(is_left_of("bob"), kAtOnce);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().reason(), "disconnect: banned");
  bob_->resume_receiving();
  const auto err = bob_->wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::BANNED);
  EXPECT_TRUE(bob_->wait_closed());
}

TEST_F(DisconnectRuleTest, LoggedInAgainElsewhere) {
  start(config());
  register_account(network_, server_->endpoint(), "carol", "correct-horse");
  // The registering connection's own goodbye (LEFT, "quit") reaches alice in its own time: taken
  // here, so the LEFT waited for below can only be the take-over's.
  const auto registered_and_quit = alice_->wait_for(is_left_of("carol"), kAtOnce);
  ASSERT_TRUE(registered_and_quit);
  ASSERT_EQ(registered_and_quit->presence().reason(), "quit");
  TestClient first(network_, server_->endpoint());
  ASSERT_TRUE(first.login("carol", "correct-horse").has_welcome());
  first.pause_receiving();
  TestClient second(network_, server_->endpoint());
  ASSERT_TRUE(second.login("carol", "correct-horse").has_welcome()) << "the new login holds it";
  const auto left = alice_->wait_for(is_left_of("carol"), kAtOnce);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().reason(), "disconnect: logged in again from another connection");
  first.resume_receiving();
  const auto err = first.wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::KICKED);
}

TEST_F(DisconnectRuleTest, ShutdownTellsNoRoomButEveryone) {
  start(config());
  server_->server().shutdown("bye");
  for (TestClient* c : {alice_.get(), bob_.get()}) {
    ASSERT_TRUE(c->wait_closed());
    bool left_seen = false;
    bool notice_seen = false;
    for (const Envelope& e : c->take_all()) {
      left_seen = left_seen || (e.has_presence() && e.presence().kind() == proto::Presence::LEFT);
      notice_seen = notice_seen || (e.has_notice() && e.notice().kind() == proto::Notice::SHUTDOWN);
    }
    EXPECT_FALSE(left_seen) << "no Presence storm on shutdown";
    EXPECT_TRUE(notice_seen);
  }
}

TEST_F(DisconnectRuleTest, NeverJoinedHandshakeTimeout) {
  server::ServerConfig cfg = config();
  cfg.handshake_timeout = std::chrono::milliseconds(300);
  start(cfg);
  TestClient idle(network_, server_->endpoint());
  ASSERT_TRUE(idle.connected()) << idle.connect_error();
  const auto err = idle.wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::HANDSHAKE_TIMEOUT);
  EXPECT_TRUE(idle.wait_closed());
  EXPECT_FALSE(alice_->wait_for([](const Envelope& e) { return e.has_presence(); }, 200ms))
      << "a connection that never joined is never announced";
}

TEST_F(DisconnectRuleTest, NeverJoinedServerFull) {
  server::ServerConfig cfg = config();
  cfg.max_clients = 2;
  start(cfg);
  TestClient third(network_, server_->endpoint());
  ASSERT_TRUE(third.connected()) << third.connect_error();
  const auto err = third.wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::SERVER_FULL);
  EXPECT_TRUE(third.wait_closed());
  EXPECT_FALSE(alice_->wait_for([](const Envelope& e) { return e.has_presence(); }, 200ms));
}

}  // namespace
}  // namespace chat::testing
