// A reload (config_reload.h): what differs between two configurations, and what applying the
// difference changes in a running server (the MOTD, the limits, --operator) and what it leaves
// for a restart.
#include "config_reload.h"

#include <gtest/gtest.h>
#include <optional>
#include <thread>

#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

using server::ConfigChange;
using server::diff_config;

TEST(ConfigDiffTest, TheSameConfigurationHasNoChanges) {
  EXPECT_TRUE(diff_config(test_config(), test_config()).empty());
}

TEST(ConfigDiffTest, NamesEachChangedFlagWithBothValuesAndWhetherAReloadAppliesIt) {
  server::ServerConfig next = test_config();
  next.motd = "new motd";
  next.flood_rate = 7;
  next.workers = 5;
  next.heartbeat_interval = std::chrono::seconds(45);
  next.operators = {"alice", "bob"};
  const std::vector<ConfigChange> changes = diff_config(test_config(), next);
  ASSERT_EQ(changes.size(), 5u);
  // In --help's order.
  EXPECT_EQ(changes[0].flag, "workers");
  EXPECT_EQ(changes[0].from, "2");
  EXPECT_EQ(changes[0].to, "5");
  EXPECT_FALSE(changes[0].reloadable);
  EXPECT_EQ(changes[1].flag, "flood-rate");
  EXPECT_EQ(changes[1].from, "0");
  EXPECT_EQ(changes[1].to, "7");
  EXPECT_TRUE(changes[1].reloadable);
  EXPECT_EQ(changes[2].flag, "heartbeat-interval");
  EXPECT_EQ(changes[2].to, "45s");
  EXPECT_FALSE(changes[2].reloadable);
  EXPECT_EQ(changes[3].flag, "operator");
  EXPECT_EQ(changes[3].from, "none");
  EXPECT_EQ(changes[3].to, "alice,bob");
  EXPECT_TRUE(changes[3].reloadable);
  EXPECT_EQ(changes[4].flag, "motd");
  EXPECT_EQ(changes[4].to, "\"new motd\"");
  EXPECT_TRUE(changes[4].reloadable);
}

TEST(ConfigReloadTest, TheNextWelcomeCarriesTheNewMotdAndLimitsAndARestartOnlyFlagStays) {
  server::ServerConfig cfg = test_config();
  cfg.motd = "old motd";
  TestServer server(cfg);
  server::ServerConfig next = cfg;
  next.motd = "new motd";
  next.flood_rate = 9;
  next.flood_burst = 12;
  next.max_text_bytes = 1000;  // needs a restart
  const std::vector<std::string> lines = server.server().reload(next);
  EXPECT_TRUE(has_line_containing(lines, "motd: \"old motd\" -> \"new motd\"")) << lines.size();
  EXPECT_TRUE(has_line_containing(lines, "flood-rate: 0 -> 9"));
  EXPECT_TRUE(has_line_containing(lines, "max-text-bytes: 4096 -> 1000 needs a restart"));

  client::ClientNetwork network(1, 8);
  TestClient alice(network, server.endpoint());
  const Envelope welcome = alice.join("alice");
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  EXPECT_EQ(welcome.welcome().motd(), "new motd");
  EXPECT_EQ(welcome.welcome().limits().flood_rate(), 9u);
  EXPECT_EQ(welcome.welcome().limits().flood_burst(), 12u);
  EXPECT_EQ(welcome.welcome().limits().max_text_bytes(), 4096u) << "only at a restart";
  // A second reload of the same configuration changes nothing but says the restart is pending.
  const std::vector<std::string> again = server.server().reload(next);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(has_line_containing(again, "max-text-bytes"));
}

TEST(ConfigReloadTest, AReloadedPerAddressLimitRefusesTheNextConnection) {
  server::ServerConfig cfg = test_config();
  cfg.limit_loopback = true;
  cfg.max_connections_per_ip = 5;
  TestServer server(cfg);
  client::ClientNetwork network(1, 8);
  TestClient first(network, server.endpoint());
  ASSERT_TRUE(first.join("first").has_welcome());
  server::ServerConfig next = cfg;
  next.max_connections_per_ip = 1;
  EXPECT_TRUE(has_line_containing(server.server().reload(next), "max-conns-per-ip: 5 -> 1"));
  TestClient second(network, server.endpoint());
  const auto refused = second.wait_for(Envelope::kError);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->error().code(), proto::TOO_MANY_CONNECTIONS);
  EXPECT_NE(refused->error().message().find("at most 1 at once"), std::string::npos)
      << refused->error().message();
}

TEST(ConfigReloadTest, AnAddedOperatorMustBeRegisteredAndADroppedOneLosesTheRoleAtOnce) {
  server::ServerConfig cfg = test_config_for_accounts();
  TestServer server(cfg);
  client::ClientNetwork network(1, 8);
  register_account(network, server.endpoint(), "alice", "alice password");

  server::ServerConfig next = cfg;
  next.operators = {"alice", "nobody"};
  const std::vector<std::string> added = server.server().reload(next);
  EXPECT_TRUE(has_line_containing(added, "operator: alice has the operator role"));
  EXPECT_TRUE(has_line_containing(added, "operator: nobody refused: not a registered nickname"));

  TestClient alice(network, server.endpoint());
  const Envelope welcome = alice.login("alice", "alice password");
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  EXPECT_TRUE(welcome.welcome().is_operator());

  const std::vector<std::string> dropped = server.server().reload(cfg);
  EXPECT_TRUE(has_line_containing(dropped, "operator: alice no longer has the operator role"));
  const auto told = alice.wait_for(Envelope::kNotice);
  ASSERT_TRUE(told);
  EXPECT_EQ(told->notice().kind(), proto::Notice::ROLE_CHANGED);
  // nobody was refused, so it is not running as an operator: nothing to drop for it.
  EXPECT_FALSE(has_line_containing(dropped, "nobody"));
}

// A reload's --operator and the console's op/deop change one role from two threads. The
// ROLE_CHANGED notices its holder gets must come in the order the changes happened, so that the
// last one is the truth (here: both end by taking the role, so the last must say "no longer").
TEST(ConfigReloadTest, TheLastRoleNoticeIsTheTruthWhenReloadAndConsoleRaceOnOneRole) {
  server::ServerConfig cfg = test_config_for_accounts();
  TestServer server(cfg);
  client::ClientNetwork network(1, 8);
  register_account(network, server.endpoint(), "alice", "alice password");
  TestClient alice(network, server.endpoint());
  ASSERT_TRUE(alice.login("alice", "alice password").has_welcome());

  server::ServerConfig with_alice = cfg;
  with_alice.operators = {"alice"};
  constexpr int kRounds = 300;
  std::thread reloader([&] {
    for (int i = 0; i < kRounds; ++i) {
      server.server().reload(with_alice);
      server.server().reload(cfg);
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    server.server().run_console_command("op alice");
    server.server().run_console_command("deop alice");
  }
  reloader.join();

  Envelope ping;
  ping.mutable_ping();
  ASSERT_TRUE(alice.ask(ping, Envelope::kPong).has_pong());  // every notice is queued before it
  std::optional<bool> last;
  for (const Envelope& env : alice.take_all()) {
    if (env.has_notice() && env.notice().kind() == proto::Notice::ROLE_CHANGED) {
      last = env.notice().is_operator();
    }
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_FALSE(*last) << "the last notice says alice is an operator, but both ended by deop";
}

// A reload's whisper limit applies to connections accepted after it; a refusal quotes the limit
// of the recipient it protects, not the reloaded one that recipient does not have.
TEST(ConfigReloadTest, AWhisperRefusalQuotesTheRecipientsOwnLimitAfterAReload) {
  server::ServerConfig cfg = test_config();
  cfg.whisper_bytes_per_s = 8192;
  TestServer server(cfg);
  client::ClientNetwork network(1, 8);
  auto target = joined_client(network, server.endpoint(), "target");
  server::ServerConfig next = cfg;
  next.whisper_bytes_per_s = 1000000;
  server.server().reload(next);
  auto sender = joined_client(network, server.endpoint(), "sender");

  const std::string text(4000, 'w');
  std::optional<Envelope> refusal;
  for (std::uint64_t i = 1; i <= 20 && !refusal; ++i) {  // its burst holds about 4 of them
    ASSERT_TRUE(sender->whisper("target", text, i));
    const auto answer =
        sender->wait_for([](const Envelope& e) { return e.has_ack() || e.has_error(); });
    ASSERT_TRUE(answer);
    if (answer->has_error()) {
      refusal = answer;
    }
  }
  ASSERT_TRUE(refusal) << "20 whispers of 4 KB passed a limit of 8 KB a second";
  EXPECT_EQ(refusal->error().code(), proto::RATE_LIMITED);
  EXPECT_NE(refusal->error().message().find("(8192 bytes a second"), std::string::npos)
      << refusal->error().message();
}

}  // namespace
}  // namespace chat::testing
