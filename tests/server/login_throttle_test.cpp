// The login throttle on a clock the test moves: free failures, then delays that double up to a
// cap, per (nickname, address) pair; a success starting over; other addresses and other
// nicknames untouched; a guessing address losing its free failures; and the memory bound.
#include "accounts/login_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace chat::server {
namespace {

using namespace std::chrono_literals;
using Clock = LoginThrottle::Clock;

LoginLimits limits() {
  LoginLimits l;
  l.free_failures = 3;
  l.first_delay = 1s;
  l.max_delay = 8s;
  l.forget_after = 1h;
  l.address_failures = 20;
  l.address_drain = 6s;
  return l;
}

class LoginThrottleTest : public ::testing::Test {
 protected:
  // A check of `name` from `address` that is let through and fails. Returns begin_check's answer
  // (0 when let through).
  double fail(const std::string& name, const std::string& address) {
    return throttle_.begin_check(name, address, now_);
  }

  Clock::time_point now_ = Clock::time_point{} + 1000h;
  LoginThrottle throttle_{limits()};
};

TEST_F(LoginThrottleTest, FreeFailuresThenDelaysThatDoubleUpToTheCap) {
  for (int i = 0; i < 4; ++i) {  // three free, and the fourth is let through too
    EXPECT_EQ(fail("alice", "10.0.0.1"), 0) << i;
  }
  // The fourth shut the pair for 1 s; each failure after doubles it: 2, 4, then 8 (the cap).
  for (const double expected : {1.0, 2.0, 4.0, 8.0, 8.0}) {
    EXPECT_DOUBLE_EQ(throttle_.begin_check("alice", "10.0.0.1", now_), expected);
    now_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(expected));
    EXPECT_EQ(fail("alice", "10.0.0.1"), 0) << "let through once the delay has passed";
  }
}

TEST_F(LoginThrottleTest, ARefusedAttemptCostsNothing) {
  for (int i = 0; i < 4; ++i) {
    fail("alice", "10.0.0.1");
  }
  for (int i = 0; i < 100; ++i) {
    EXPECT_GT(throttle_.begin_check("alice", "10.0.0.1", now_ + 500ms), 0);
  }
  EXPECT_EQ(throttle_.begin_check("alice", "10.0.0.1", now_ + 1s), 0) << "still 1 s, not longer";
}

TEST_F(LoginThrottleTest, ASuccessStartsThePairOver) {
  for (int i = 0; i < 4; ++i) {
    fail("alice", "10.0.0.1");
  }
  now_ += 1s;
  ASSERT_EQ(throttle_.begin_check("alice", "10.0.0.1", now_), 0);
  throttle_.succeeded("alice", "10.0.0.1");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(fail("alice", "10.0.0.1"), 0) << "free failures again";
  }
  EXPECT_GT(throttle_.begin_check("alice", "10.0.0.1", now_), 0);
}

TEST_F(LoginThrottleTest, OtherAddressesAndOtherNicknamesAreNotSlowed) {
  for (int i = 0; i < 10; ++i) {
    fail("alice", "10.0.0.1");
  }
  ASSERT_GT(throttle_.begin_check("alice", "10.0.0.1", now_), 0);
  EXPECT_EQ(throttle_.begin_check("alice", "10.0.0.2", now_), 0) << "the owner, elsewhere";
  EXPECT_EQ(throttle_.begin_check("bob", "10.0.0.1", now_), 0) << "someone behind the guesser";
}

TEST_F(LoginThrottleTest, AGuessingAddressLosesItsFreeFailuresButNotItsCorrectLogins) {
  for (int n = 0; n < 5; ++n) {  // 4 failures on each of 5 nicknames: 20 at the address
    for (int i = 0; i < 4; ++i) {
      fail("user" + std::to_string(n), "10.0.0.1");
    }
  }
  // A fresh nickname from there: checked at once (the right password would get in) ...
  EXPECT_EQ(throttle_.begin_check("user9", "10.0.0.1", now_), 0);
  // ... but its first failure already shuts the pair, for the first delay.
  EXPECT_DOUBLE_EQ(throttle_.begin_check("user9", "10.0.0.1", now_), 1.0);
  // Elsewhere the same nickname keeps its free failures.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(fail("user9", "10.0.0.2"), 0);
  }
  // Correct logins take their count back, so the address's own users do not make it guessing.
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(throttle_.begin_check("regular", "10.0.0.3", now_), 0);
    throttle_.succeeded("regular", "10.0.0.3");
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(fail("typo", "10.0.0.3"), 0) << "free failures still";
  }
}

TEST_F(LoginThrottleTest, AGuessingAddressCoolsDownAsItsFailuresDrain) {
  for (int i = 0; i < 20; ++i) {
    fail("user" + std::to_string(i), "10.0.0.1");
  }
  fail("fresh", "10.0.0.1");
  EXPECT_GT(throttle_.begin_check("fresh", "10.0.0.1", now_), 0) << "guessing: no free failure";
  now_ += 2min;  // 20 drained at one per 6 s
  fail("fresh2", "10.0.0.1");
  EXPECT_EQ(throttle_.begin_check("fresh2", "10.0.0.1", now_), 0) << "free failures again";
}

TEST(LoginThrottleMemoryTest, ASprayOfAddressesAndNicknamesIsBounded) {
  LoginLimits l = limits();
  l.max_pairs = 100;
  l.max_addresses = 50;
  LoginThrottle throttle(l);
  const Clock::time_point now = Clock::time_point{} + 1000h;
  for (int i = 0; i < 10000; ++i) {
    throttle.begin_check("name" + std::to_string(i), "10.1." + std::to_string(i % 700) + ".1", now);
  }
  EXPECT_EQ(throttle.pairs(), 100u);
  EXPECT_EQ(throttle.addresses(), 50u);
  // The newest are the ones kept: the last pair is shut after four more failures, as any.
  for (int i = 0; i < 4; ++i) {
    throttle.begin_check("name9999", "10.1.199.1", now);
  }
  EXPECT_GT(throttle.begin_check("name9999", "10.1.199.1", now), 0);
}

TEST(LoginThrottleMemoryTest, QuietPairsAndAddressesAreForgotten) {
  LoginThrottle throttle(limits());
  Clock::time_point now = Clock::time_point{} + 1000h;
  for (int i = 0; i < 30; ++i) {
    throttle.begin_check("name" + std::to_string(i), "10.0.0." + std::to_string(i), now);
  }
  EXPECT_EQ(throttle.pairs(), 30u);
  now += 2h;  // past forget_after, and every address drained
  throttle.begin_check("late", "10.9.9.9", now);
  EXPECT_EQ(throttle.pairs(), 1u);
  EXPECT_EQ(throttle.addresses(), 1u);
}

}  // namespace
}  // namespace chat::server
