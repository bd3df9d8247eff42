// Per-address connection limits: the address arithmetic, the counting, and the server refusing
// the connection over a limit with an error that says which.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "address_limits.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

using namespace std::chrono_literals;
using server::AddressLimits;

TEST(AddressKey, IPv4IsItselfAndIPv6CountsItsSlash64) {
  EXPECT_EQ(server::address_key("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(server::address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(server::address_key("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
  EXPECT_EQ(server::address_key("::ffff:192.0.2.7"), "192.0.2.7");  // IPv4-mapped
  EXPECT_EQ(server::address_key("::1"), "0:0:0:0::/64");
  EXPECT_EQ(server::address_key("fe80::1%eth0"), "fe80:0:0:0::/64");
  for (const char* bad : {"", "localhost", "1.2.3", "1.2.3.256", "1.2.3.4.5", "1::2::3",
                          "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1", "1:"}) {
    EXPECT_EQ(server::address_key(bad), "") << bad;
  }
}

TEST(AddressKey, LoopbackIsAll127AndColonColonOne) {
  EXPECT_TRUE(server::is_loopback("127.0.0.1"));
  EXPECT_TRUE(server::is_loopback("127.45.6.7"));
  EXPECT_TRUE(server::is_loopback("::1"));
  EXPECT_TRUE(server::is_loopback("::ffff:127.0.0.1"));
  EXPECT_FALSE(server::is_loopback("128.0.0.1"));
  EXPECT_FALSE(server::is_loopback("::2"));
  EXPECT_FALSE(server::is_loopback("2001:db8::1"));
}

TEST(AddressLimitsCount, ConcurrentConnectionsAreCappedAndFreedOnRelease) {
  AddressLimits limits(2, 0);
  const auto t = AddressLimits::Clock::now();
  EXPECT_EQ(limits.admit("a", t), AddressLimits::Verdict::admitted);
  EXPECT_EQ(limits.admit("a", t), AddressLimits::Verdict::admitted);
  EXPECT_EQ(limits.admit("a", t), AddressLimits::Verdict::too_many_connections);
  EXPECT_EQ(limits.admit("b", t), AddressLimits::Verdict::admitted);  // each address its own
  limits.release("a");
  EXPECT_EQ(limits.admit("a", t), AddressLimits::Verdict::admitted);
}

TEST(AddressLimitsCount, ConnectRateIsABurstThenSoManyASecond) {
  AddressLimits limits(0, 4);
  const auto t = AddressLimits::Clock::now();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(limits.admit("a", t), AddressLimits::Verdict::admitted) << i;
    limits.release("a");  // closing again does not give the connect back
  }
  EXPECT_EQ(limits.admit("a", t), AddressLimits::Verdict::connecting_too_fast);
  EXPECT_EQ(limits.admit("a", t + 250ms), AddressLimits::Verdict::admitted);  // 4/s: one more
  EXPECT_EQ(limits.admit("a", t + 250ms), AddressLimits::Verdict::connecting_too_fast);
}

// An address that spent its connect budget stays refused across a reload: one that leaves the
// rate alone, and one that raises it (the new rate refills from then on, not at once).
TEST(AddressLimitsCount, AReloadRefillsNoAddresssConnectBudget) {
  AddressLimits limits(0, 2);
  const auto t = AddressLimits::Clock::now();
  ASSERT_EQ(limits.admit("a", t), AddressLimits::Verdict::admitted);
  ASSERT_EQ(limits.admit("a", t), AddressLimits::Verdict::admitted);
  ASSERT_EQ(limits.admit("a", t), AddressLimits::Verdict::connecting_too_fast);
  limits.set_limits(0, 2, t);
  EXPECT_EQ(limits.admit("a", t), AddressLimits::Verdict::connecting_too_fast);
  limits.set_limits(0, 10, t);
  EXPECT_EQ(limits.admit("a", t), AddressLimits::Verdict::connecting_too_fast);
  EXPECT_EQ(limits.admit("a", t + 100ms), AddressLimits::Verdict::admitted);  // 10/s from t
  limits.set_limits(0, 0, t + 100ms);  // off: everyone admitted
  EXPECT_EQ(limits.admit("a", t + 100ms), AddressLimits::Verdict::admitted);
  limits.set_limits(0, 1, t + 100ms);  // on again: starts full, a burst of 1
  EXPECT_EQ(limits.admit("a", t + 100ms), AddressLimits::Verdict::admitted);
  EXPECT_EQ(limits.admit("a", t + 100ms), AddressLimits::Verdict::connecting_too_fast);
}

TEST(AddressLimitsCount, PruneForgetsOnlyIdleAddressesWhoseBudgetRefilled) {
  AddressLimits limits(8, 8);
  const auto t = AddressLimits::Clock::now();
  ASSERT_EQ(limits.admit("connected", t), AddressLimits::Verdict::admitted);
  ASSERT_EQ(limits.admit("left", t), AddressLimits::Verdict::admitted);
  limits.release("left");
  limits.prune(t + 500ms);
  EXPECT_EQ(limits.tracked(), 2u);  // "left" may still be over its rate
  limits.prune(t + 1s);
  EXPECT_EQ(limits.tracked(), 1u);  // "connected" stays while it holds a connection
  EXPECT_EQ(limits.admit("", t), AddressLimits::Verdict::admitted);  // no key: not counted
  EXPECT_EQ(limits.tracked(), 1u);
}

class AddressLimitsServer : public ::testing::Test {
 protected:
  static std::optional<Envelope> refusal(TestClient& c) { return c.wait_for(Envelope::kError); }
  client::ClientNetwork network_{2, 64, test_io_backend()};
};

TEST_F(AddressLimitsServer, TheConnectionOverTheLimitIsToldAndClosedAndAFreedPlaceIsReused) {
  server::ServerConfig cfg = test_config();
  cfg.max_connections_per_ip = 3;
  cfg.limit_loopback = true;
  TestServer server(cfg);
  std::vector<std::unique_ptr<TestClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<TestClient>(network_, server.endpoint()));
    ASSERT_TRUE(held.back()->join("user" + std::to_string(i)).has_welcome()) << i;
  }
  TestClient fourth(network_, server.endpoint());
  const auto err = refusal(fourth);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::TOO_MANY_CONNECTIONS);
  EXPECT_TRUE(err->error().fatal());
  EXPECT_TRUE(fourth.wait_closed());
  held.pop_back();                     // one leaves: its place is free again
  for (int attempt = 0;; ++attempt) {  // its close reaches the server a moment after ours
    TestClient again(network_, server.endpoint());
    const Envelope welcome = again.join("again");
    if (welcome.has_welcome()) {
      break;
    }
    ASSERT_LT(attempt, 100) << "the freed place was never given back";
    ASSERT_EQ(welcome.error().code(), proto::TOO_MANY_CONNECTIONS);
    again.wait_closed();
  }
}

TEST_F(AddressLimitsServer, ConnectingTooFastIsRefusedWithItsOwnCode) {
  server::ServerConfig cfg = test_config();
  cfg.connects_per_ip_per_s = 2;  // a burst of two, then two a second
  cfg.limit_loopback = true;
  TestServer server(cfg);
  std::vector<std::unique_ptr<TestClient>> clients;
  std::optional<Envelope> refusal;
  int admitted = 0;
  // Connect and join back to back until one is refused: only if every one of them took half a
  // second would none be.
  for (int i = 0; i < 50 && !refusal; ++i) {
    clients.push_back(std::make_unique<TestClient>(network_, server.endpoint()));
    const Envelope reply = clients.back()->join("fast" + std::to_string(i));
    if (reply.has_welcome()) {
      ++admitted;
    } else {
      refusal = reply;
    }
  }
  ASSERT_TRUE(refusal) << "50 connects in a row, none refused";
  EXPECT_GE(admitted, 2);  // the burst
  ASSERT_TRUE(refusal->has_error());
  EXPECT_EQ(refusal->error().code(), proto::CONNECTING_TOO_FAST);
  EXPECT_TRUE(refusal->error().fatal());
  EXPECT_TRUE(clients.back()->wait_closed());
}

TEST_F(AddressLimitsServer, LoopbackIsExemptByDefault) {
  server::ServerConfig cfg = test_config();
  cfg.max_connections_per_ip = 2;
  cfg.connects_per_ip_per_s = 2;
  TestServer server(cfg);
  std::vector<std::unique_ptr<TestClient>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(std::make_unique<TestClient>(network_, server.endpoint()));
    EXPECT_TRUE(held.back()->join("local" + std::to_string(i)).has_welcome()) << i;
  }
}

}  // namespace
}  // namespace chat::testing
