// WaitPolicy: when a backend's worker may block in its next wait.
#include "net/wait_policy.h"

#include <gtest/gtest.h>

#include <thread>

namespace chat::net {
namespace {

using namespace std::chrono_literals;

TEST(WaitPolicyTest, ZeroBusyPollAlwaysMayBlock) {
  WaitPolicy w(0us);
  EXPECT_TRUE(w.may_block());
  w.after_wait(true);
  EXPECT_TRUE(w.may_block());
}

TEST(WaitPolicyTest, MayBlockBeforeAnyCompletionsButNotRightAfterThem) {
  WaitPolicy w(std::chrono::hours(1));
  EXPECT_TRUE(w.may_block()) << "a worker that never saw traffic must not spin";
  w.after_wait(false);
  EXPECT_TRUE(w.may_block()) << "an empty wait opens no window";
  w.after_wait(true);
  EXPECT_FALSE(w.may_block());
}

TEST(WaitPolicyTest, TheBusyPollWindowClosesOnceItsTimeHasPassed) {
  WaitPolicy w(1ms);
  w.after_wait(true);
  std::this_thread::sleep_for(2ms);  // sleeps at least that long: the window is over
  EXPECT_TRUE(w.may_block());
}

TEST(WaitPolicyTest, NoBlockingWhileTheHandlerHasMoreToDo) {
  WaitPolicy w(0us);
  w.after_batch(true);
  EXPECT_FALSE(w.may_block());
  w.after_batch(false);
  EXPECT_TRUE(w.may_block());
}

}  // namespace
}  // namespace chat::net
