// A connection's slot is reused by the next one: the housekeeping sweep, which reads slots
// without a lock, must see either the old connection whole or a free slot, never poison the
// slot for its next occupant.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <memory>
#include <vector>

#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

// A sweep at this steady time finds every connection silent far past any timeout.
constexpr std::int64_t kFarFuture = std::numeric_limits<std::int64_t>::max() / 4;

class SlotReuseTest : public ::testing::Test {
 protected:
  // Runs one sweep (as if at kFarFuture) in the middle of the first slot release, on the worker
  // that closes the connection: the moment a sweep on the housekeeping thread could hit.
  server::ServerConfig config_with_sweep_mid_release() {
    server::ServerConfig cfg = test_config();
    cfg.max_clients = 4;  // a handful of slots: the test fills them all afterwards
    cfg.on_slot_releasing = [this](net::ConnId) {
      if (!swept_.exchange(true)) {
        chat_server_.load()->check_timeouts(kFarFuture);
        sweep_done_.set_value();
      }
    };
    return cfg;
  }

  // Every slot's next connection must hear from the server: a Welcome, or a SERVER_FULL Error
  // for those over max_clients. A poisoned slot's connection hears nothing.
  void expect_every_slot_answers() {
    const unsigned slots = 4 + 16;  // connection_slots_for(4)
    std::vector<std::unique_ptr<TestClient>> clients;
    for (unsigned i = 0; i < slots; ++i) {
      clients.push_back(std::make_unique<TestClient>(network_, server_->endpoint()));
      ASSERT_TRUE(clients.back()->connected()) << clients.back()->connect_error();
      Envelope join;
      join.mutable_join()->set_nickname("n" + std::to_string(i));
      // Not asserted: one over max_clients may be closed (SERVER_FULL) before this goes out.
      clients.back()->send(join);
    }
    for (unsigned i = 0; i < slots; ++i) {
      // The very first frame: no heartbeat is due (an hour), so a Ping here was meant for the
      // slot's previous connection (or for nobody) and leaked into this one.
      const auto first = clients[i]->wait_for([](const Envelope&) { return true; }, 5s);
      ASSERT_TRUE(first) << "connection " << i << " got nothing: its slot was poisoned";
      ASSERT_TRUE(first->has_welcome() || first->has_error()) << first->DebugString();
      if (first->has_error()) {
        EXPECT_EQ(first->error().code(), proto::SERVER_FULL);
      }
    }
  }

  // Starts the server with `cfg`, lets one joined client close, and waits for the sweep its
  // release ran: before the next connections, since a sweep that met them would ping them rightly.
  void close_one_client_under(const server::ServerConfig& cfg) {
    server_ = std::make_unique<TestServer>(cfg);
    chat_server_.store(&server_->server());
    {
      auto alice = joined_client(network_, server_->endpoint(), "alice");
      alice->close();
      ASSERT_TRUE(alice->wait_closed());
    }
    ASSERT_EQ(sweep_done_.get_future().wait_for(10s), std::future_status::ready);
  }

  client::ClientNetwork network_{2, 64, test_io_backend()};

  std::atomic<bool> swept_{false};
  // The server the hook sweeps, set before its first connection: an atomic, since the hook runs
  // on a worker and nothing the sanitizer sees orders it after the test thread's assignment.
  std::atomic<server::ChatServer*> chat_server_{nullptr};
  std::promise<void> sweep_done_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(SlotReuseTest, ATimeoutSweepDuringAReleaseLeavesTheSlotUsable) {
  server::ServerConfig cfg = config_with_sweep_mid_release();
  cfg.heartbeat_timeout = std::chrono::hours(1);  // the sweep at kFarFuture expires what it sees
  close_one_client_under(cfg);
  expect_every_slot_answers();
}

TEST_F(SlotReuseTest, APingSweepDuringAReleaseLeavesTheSlotUsable) {
  server::ServerConfig cfg = config_with_sweep_mid_release();
  cfg.heartbeat_interval = std::chrono::hours(1);  // the sweep at kFarFuture pings what it sees
  close_one_client_under(cfg);
  expect_every_slot_answers();
}

// The same race left to chance: connections churn while the sweep runs every millisecond and
// pings everyone silent for a millisecond. Every connection must get its Welcome and every
// message after it.
TEST(SlotReuseStressTest, ChurnUnderAOneMillisecondSweepLosesNothing) {
  server::ServerConfig cfg = test_config();
  cfg.max_clients = 8;
  cfg.sweep_interval = std::chrono::milliseconds(1);
  cfg.heartbeat_interval = std::chrono::milliseconds(1);
  cfg.heartbeat_timeout = std::chrono::minutes(5);
  TestServer server(cfg);
  client::ClientNetwork network{2, 64, test_io_backend()};
  auto listener = joined_client(network, server.endpoint(), "listener");
  constexpr int kRounds = 1500;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  int rounds = 0;
  for (; rounds < kRounds && std::chrono::steady_clock::now() < deadline; ++rounds) {
    TestClient c(network, server.endpoint());
    ASSERT_TRUE(c.connected()) << c.connect_error();
    const std::string nick = "churn" + std::to_string(rounds);
    const Envelope welcome = c.join(nick);
    ASSERT_TRUE(welcome.has_welcome()) << "round " << rounds << ": " << welcome.DebugString();
    Envelope echo;
    echo.mutable_echo()->set_text(nick);
    ASSERT_TRUE(c.send(echo));
    const auto reply = c.wait_for(Envelope::kEchoReply, 5s);
    ASSERT_TRUE(reply) << "round " << rounds << ": no echo";
    EXPECT_EQ(reply->echo_reply().text(), nick);
    c.close();
    ASSERT_TRUE(c.wait_closed());
  }
  EXPECT_GE(rounds, 200) << "too few rounds to mean anything";
  // The long-lived listener saw every churner leave, in order, and still hears the server.
  Envelope echo;
  echo.mutable_echo()->set_text("still here");
  ASSERT_TRUE(listener->send(echo));
  const auto reply = listener->wait_for(Envelope::kEchoReply);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->echo_reply().text(), "still here");
}

}  // namespace
}  // namespace chat::testing
