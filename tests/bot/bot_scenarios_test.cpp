// chat_bot's scenarios, small, against the real server over loopback: each must finish with every
// delivery checked and counted, and a run that cannot do its work must say so.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "client/bot/report.h"
#include "client/bot/runner.h"
#include "support/test_server.h"

namespace chat::bot {
namespace {

class BotScenarioTest : public ::testing::Test {
 protected:
  BotOptions options(Scenario s, unsigned clients, unsigned messages) const {
    BotOptions o;
    o.host = server_.endpoint().host;
    o.port = server_.endpoint().port;
    o.scenario = s;
    o.clients = clients;
    o.messages = messages;
    o.size = 48;
    o.window = 8;
    o.workers = 2;
    o.io_backend = testing::test_io_backend();
    o.duration_s = 60;  // a bound, not a wait: a healthy run ends long before
    o.progress = false;
    return o;
  }

  static void expect_clean(const RunResult& r) {
    EXPECT_TRUE(r.ok()) << summary_table(r);
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(r.joined, r.options.clients);
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.duplicated, 0u);
    EXPECT_EQ(r.reordered, 0u);
    EXPECT_EQ(r.errors, 0u);
    EXPECT_FALSE(r.timed_out);
  }

  testing::TestServer server_;
};

TEST_F(BotScenarioTest, FanoutDeliversEveryMessageToEveryOtherBot) {
  const RunResult r = run_scenario(options(Scenario::fanout, 8, 40));
  expect_clean(r);
  EXPECT_EQ(r.sent, 8u * 40);
  EXPECT_EQ(r.acked, r.sent);
  EXPECT_EQ(r.expected, 8u * 7 * 40);
  EXPECT_EQ(r.delivered, r.expected);
  EXPECT_EQ(r.latency.count(), r.delivered);
  EXPECT_GT(r.deliveries_per_s, 0.0);
}

TEST_F(BotScenarioTest, PacedFanoutKeepsToItsCounts) {
  BotOptions o = options(Scenario::fanout, 6, 20);
  o.rate = 2000;
  const RunResult r = run_scenario(o);
  expect_clean(r);
  EXPECT_EQ(r.delivered, 6u * 5 * 20);
}

TEST_F(BotScenarioTest, RoomsKeepTrafficInsideEachRoom) {
  BotOptions o = options(Scenario::rooms, 9, 30);
  o.rooms = 3;  // three rooms of three
  const RunResult r = run_scenario(o);
  expect_clean(r);
  EXPECT_EQ(r.expected, 3u * (3 * 2 * 30));
  EXPECT_EQ(r.delivered, r.expected);
}

TEST_F(BotScenarioTest, WhisperPairsHearOnlyEachOther) {
  const RunResult r = run_scenario(options(Scenario::whisper, 6, 50));
  expect_clean(r);
  EXPECT_EQ(r.delivered, 6u * 50);
}

TEST_F(BotScenarioTest, EchoRoundTripsAreAllAnsweredInOrder) {
  const RunResult r = run_scenario(options(Scenario::echo, 4, 100));
  expect_clean(r);
  EXPECT_EQ(r.delivered, 4u * 100);
  EXPECT_EQ(r.latency.count(), 4u * 100);
}

TEST_F(BotScenarioTest, ChurnCompletesEveryCycle) {
  const RunResult r = run_scenario(options(Scenario::churn, 5, 6));
  expect_clean(r);
  EXPECT_EQ(r.cycles, 5u * 6);
  EXPECT_GT(r.cycles_per_s, 0.0);
  EXPECT_EQ(r.join_latency.count(), 5u * 6);
}

TEST_F(BotScenarioTest, LoginRegistersEachBotThenLogsInItsCount) {
  const RunResult r = run_scenario(options(Scenario::login, 4, 3));
  expect_clean(r);
  EXPECT_EQ(r.cycles, 4u * (1 + 3));  // the registering cycle, then the logins
  EXPECT_EQ(r.logins, 4u * 3);
  EXPECT_GT(r.logins_per_s, 0.0);
  EXPECT_EQ(r.join_latency.count(), 4u * 3) << "one connect-to-logged-in time per login";
  EXPECT_NE(to_json(r).find("\"logins\": 12,"), std::string::npos) << to_json(r);
  // A second run finds the nicknames registered: its first cycle is a login too.
  const RunResult again = run_scenario(options(Scenario::login, 4, 2));
  expect_clean(again);
  EXPECT_EQ(again.logins, 4u * (1 + 2));
  EXPECT_NE(summary_table(again).find("logins"), std::string::npos);
}

TEST_F(BotScenarioTest, ALoginWithTheWrongPasswordFailsTheRunWithoutHangingIt) {
  ASSERT_TRUE(run_scenario(options(Scenario::login, 2, 1)).ok());
  BotOptions o = options(Scenario::login, 2, 2);
  o.password = "another password";
  const RunResult r = run_scenario(o);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.logins, 0u);
  bool named = false;
  for (const std::string& v : r.violations) {
    named = named || v.find("LOGIN_FAILED") != std::string::npos;
  }
  EXPECT_TRUE(named) << summary_table(r);
}

TEST_F(BotScenarioTest, IdleBotsJoinAndStay) {
  BotOptions o = options(Scenario::idle, 20, 0);
  o.hold_s = 0.2;
  const RunResult r = run_scenario(o);
  expect_clean(r);
  EXPECT_EQ(r.joined, 20u);
  EXPECT_EQ(r.join_latency.count(), 20u);
  EXPECT_GT(r.join_all_ms, 0.0);
  EXPECT_DOUBLE_EQ(r.connects_per_s(), 20.0 / (r.join_all_ms / 1000.0));
  EXPECT_NE(to_json(r).find(fmt::format("\"connects_per_s\": {:.0f},", r.connects_per_s())),
            std::string::npos)
      << to_json(r);
}

TEST_F(BotScenarioTest, JsonCarriesTheHeadlineFigures) {
  const RunResult r = run_scenario(options(Scenario::fanout, 3, 5));
  expect_clean(r);
  const std::string json = to_json(r);
  for (const char* key : {"\"deliveries_per_s\"", "\"latency_us\"", "\"p99\"", "\"lost\": 0",
                          "\"duplicated\": 0", "\"reordered\": 0"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
}

// A server with room for fewer bots than asked: the run fails and says how many did not join,
// and which limit turned them away.
TEST(BotScenarioLimitsTest, AFullServerMakesTheRunFail) {
  server::ServerConfig cfg = testing::test_config();
  cfg.max_clients = 3;
  testing::TestServer server(cfg);
  BotOptions o;
  o.host = server.endpoint().host;
  o.port = server.endpoint().port;
  o.scenario = Scenario::fanout;
  o.clients = 5;
  o.messages = 3;
  o.workers = 2;
  o.io_backend = testing::test_io_backend();
  o.duration_s = 30;
  o.progress = false;
  const RunResult r = run_scenario(o);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.joined, 3u);
  EXPECT_EQ(r.failed, 2u);
  bool named = false;
  bool limit_named = false;
  for (const std::string& v : r.violations) {
    named = named || v.find("2 of 5 bots did not join") != std::string::npos;
    limit_named = limit_named || (v.find("SERVER_FULL") != std::string::npos &&
                                  v.find("--max-clients") != std::string::npos);
  }
  EXPECT_TRUE(named) << summary_table(r);
  EXPECT_TRUE(limit_named) << summary_table(r);
}

// A server with flood control on: the bots are refused, and the run ends at once (not at
// --duration) saying how to run the server for a load test, the refusals counted on one line.
TEST(BotScenarioLimitsTest, FloodControlEndsTheRunEarlyAndSaysWhatToDo) {
  server::ServerConfig cfg = testing::test_config();
  cfg.flood_burst = 5;
  cfg.flood_rate = 1;
  testing::TestServer server(cfg);
  BotOptions o;
  o.host = server.endpoint().host;
  o.port = server.endpoint().port;
  o.scenario = Scenario::fanout;
  o.clients = 4;
  o.messages = 50;
  o.workers = 2;
  o.io_backend = testing::test_io_backend();
  o.duration_s = 120;  // far beyond the test's timeout: only stopping early passes
  o.progress = false;
  const RunResult r = run_scenario(o);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(r.elapsed_s, 60.0);
  EXPECT_FALSE(r.timed_out);  // it did not run out of --duration
  EXPECT_NE(r.stopped_early.find("--flood-rate 0"), std::string::npos);
  EXPECT_NE(to_json(r).find("\"stopped_early\": \"the server's flood control"), std::string::npos)
      << to_json(r);
  bool named = false;
  // Every bot is refused alike, dozens of times: each kind of refusal ("dropped", "still
  // flooding") is one line, with a count.
  int refusal_lines = 0;
  bool counted = false;
  for (const std::string& v : r.violations) {
    named = named || (v.find("stopped early") != std::string::npos &&
                      v.find("--flood-rate 0") != std::string::npos);
    if (v.find("RATE_LIMITED") != std::string::npos) {
      ++refusal_lines;
      counted = counted || v.find("more like it") != std::string::npos;
    }
  }
  EXPECT_TRUE(named) << summary_table(r);
  EXPECT_GE(refusal_lines, 1) << summary_table(r);
  EXPECT_LE(refusal_lines, 2) << summary_table(r);
  EXPECT_TRUE(counted) << summary_table(r);
}

}  // namespace
}  // namespace chat::bot
