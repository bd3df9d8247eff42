// The shipped programs under a low open-file limit (`ulimit -n`), as a user's shell or service
// manager may start them. POSIX only: Windows has no such limit.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/test_client.h"

namespace chat::testing {
namespace {

// 120 descriptors: 64 kept for the server itself, and 40 clients with their 16 slots for telling
// the next ones SERVER_FULL (src/server/connection_budget.h).
constexpr int kOpenFileLimit = 120;
constexpr int kClientsWithinLimit = 40;

// argv run by `sh` after `ulimit -n kOpenFileLimit`, its stderr joined to stdout to be read.
std::vector<std::string> under_limit(std::vector<std::string> argv) {
  std::vector<std::string> shell{
      "/bin/sh", "-c",
      "ulimit -n " + std::to_string(kOpenFileLimit) + " && exec \"$0\" \"$@\" 2>&1"};
  shell.insert(shell.end(), argv.begin(), argv.end());
  return shell;
}

TEST(OpenFileLimit, ServerServesWhatTheLimitHoldsSaysSoAndTellsTheRestServerFull) {
  ChildProcess server(under_limit({CHAT_SERVER_EXE, "--port", "0", "--log-level", "warn", "--db",
                                   "", "--no-console", "--max-clients", "1000"}));
  ASSERT_TRUE(server.started());
  std::vector<std::string> before_listening;
  std::uint16_t port = 0;
  while (port == 0) {
    const auto line = server.read_line(kWait);
    ASSERT_TRUE(line) << "no listening line";
    port = parse_listening(line);
    if (port == 0) {
      before_listening.push_back(*line);
    }
  }
  const std::string warning = "the open-file limit (" + std::to_string(kOpenFileLimit) +
                              ") holds " + std::to_string(kClientsWithinLimit) +
                              " clients, fewer than --max-clients 1000";
  ASSERT_EQ(before_listening.size(), 1u);
  EXPECT_NE(before_listening[0].find(warning), std::string::npos) << before_listening[0];

  const net::Endpoint at{"127.0.0.1", port};
  client::ClientNetwork network(1, 2 * kClientsWithinLimit);
  std::vector<std::unique_ptr<TestClient>> held;
  for (int i = 0; i < kClientsWithinLimit; ++i) {
    held.push_back(std::make_unique<TestClient>(network, at));
    ASSERT_TRUE(held.back()->connected()) << i;
    ASSERT_TRUE(held.back()->join("held" + std::to_string(i)).has_welcome()) << i;
  }
  // The next ones are told why, not dropped unanswered when the descriptors run out (which,
  // without the limit taken into account, would have been after about 100 connections).
  for (int i = 0; i < 10; ++i) {
    TestClient extra(network, at);
    ASSERT_TRUE(extra.connected()) << i;
    const auto error = extra.wait_for(Envelope::kError);
    ASSERT_TRUE(error) << "extra client " << i << " heard nothing";
    EXPECT_EQ(error->error().code(), proto::SERVER_FULL);
    EXPECT_TRUE(error->error().fatal());
    EXPECT_TRUE(extra.wait_closed());
  }
  // Those held chat on.
  ASSERT_TRUE(held.front()->broadcast("lobby", "still here", 1));
  for (int i = 1; i < kClientsWithinLimit; ++i) {
    const auto got = held[i]->wait_for([](const Envelope& e) {
      return e.has_chat_message() && e.chat_message().text() == "still here";
    });
    EXPECT_TRUE(got) << "held" << i;
  }
  held.clear();
  server.interrupt();
  EXPECT_EQ(server.wait(kWait), 0);
}

TEST(OpenFileLimit, BotRefusesMoreBotsThanTheLimitHoldsAndSaysWhy) {
  ChildProcess bot(under_limit(
      {CHAT_BOT_EXE, "--port", "1", "--scenario", "idle", "--clients", "500", "--json"}));
  ASSERT_TRUE(bot.started());
  const std::string out = bot.read_all(kWait);
  EXPECT_EQ(bot.wait(kWait), 2);
  EXPECT_NE(out.find("--clients 500 needs 532 open files, and the limit here is " +
                     std::to_string(kOpenFileLimit)),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace chat::testing
