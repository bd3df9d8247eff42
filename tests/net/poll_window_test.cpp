// PollWindow: when a worker with IoConfig::busy_poll may sleep.
#include "net/poll_window.h"

#include <gtest/gtest.h>

#include <thread>

namespace chat::net {
namespace {

using namespace std::chrono_literals;

TEST(PollWindowTest, ZeroWindowAlwaysMaySleep) {
  PollWindow w(0us);
  EXPECT_TRUE(w.may_sleep());
  w.saw_completions();
  EXPECT_TRUE(w.may_sleep());
}

TEST(PollWindowTest, MaySleepBeforeAnyCompletionsButNotRightAfterThem) {
  PollWindow w(std::chrono::hours(1));
  EXPECT_TRUE(w.may_sleep()) << "a worker that never saw traffic must not spin";
  w.saw_completions();
  EXPECT_FALSE(w.may_sleep());
}

TEST(PollWindowTest, TheWindowClosesOnceItsTimeHasPassed) {
  PollWindow w(1ms);
  w.saw_completions();
  std::this_thread::sleep_for(2ms);  // sleeps at least that long: the window is over
  EXPECT_TRUE(w.may_sleep());
}

}  // namespace
}  // namespace chat::net
