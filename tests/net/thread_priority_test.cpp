// Background threads: a thread may lower its own priority (the auth pool's do).
#include "net/thread_priority.h"

#include <gtest/gtest.h>

#include <thread>

namespace chat::net {
namespace {

TEST(ThreadPriorityTest, AThreadMayLowerItsOwnPriorityAgainAndAgain) {
  bool first = false;
  bool again = false;
  std::thread background([&] {
    first = lower_this_thread_priority();
    again = lower_this_thread_priority();  // already low: still allowed, still low
  });
  background.join();
  EXPECT_TRUE(first);
  EXPECT_TRUE(again);
}

}  // namespace
}  // namespace chat::net
