#include "client/bot/violation_log.h"

#include <gtest/gtest.h>

namespace chat::bot {
namespace {

TEST(ViolationLogTest, TheSameComplaintFromManyBotsIsOneLineWithItsCount) {
  ViolationLog log;
  log.add("bot1", "error RATE_LIMITED: slow down");
  log.add("bot2", "error RATE_LIMITED: slow down");
  log.add("bot1", "error RATE_LIMITED: slow down");
  log.add("bot7", "disconnected: reset");
  EXPECT_EQ(log.lines(), (std::vector<std::string>{
                             "bot1: error RATE_LIMITED: slow down (and 2 more like it)",
                             "bot7: disconnected: reset",
                         }));
}

TEST(ViolationLogTest, AComplaintOfTheRunItselfHasNoName) {
  ViolationLog log;
  log.add({}, "2 of 5 bots did not join");
  EXPECT_EQ(log.lines(), std::vector<std::string>{"2 of 5 bots did not join"});
}

TEST(ViolationLogTest, BeyondTheDistinctLimitOnlyTheCountIsKept) {
  ViolationLog log(2);
  log.add("bot1", "a");
  log.add("bot2", "b");
  log.add("bot3", "c");
  log.add("bot4", "c");
  log.add("bot5", "a");  // still counted: its line is kept
  EXPECT_EQ(log.lines(), (std::vector<std::string>{
                             "bot1: a (and 1 more like it)",
                             "bot2: b",
                             "2 more reports of other kinds, not listed",
                         }));
}

TEST(ViolationLogTest, NothingReportedIsNoLines) {
  EXPECT_TRUE(ViolationLog().lines().empty());
}

}  // namespace
}  // namespace chat::bot
