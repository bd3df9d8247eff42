// The registration limits on a clock the test moves: per address and in all, draining evenly
// over the period, refunds, loopback's empty key, and the memory bound.
#include "accounts/registration_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace chat::server {
namespace {

using namespace std::chrono_literals;
using Clock = RegistrationLimiter::Clock;

RegistrationLimits limits(unsigned per_address, unsigned in_all) {
  RegistrationLimits l;
  l.per_address = per_address;
  l.in_all = in_all;
  l.period = 1h;
  return l;
}

const Clock::time_point kStart = Clock::time_point{} + 1000h;

TEST(RegistrationLimiterTest, PerAddressThenOneEachShareOfThePeriod) {
  RegistrationLimiter limiter(limits(3, 0));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.admit("10.0.0.1", kStart).retry_after_s, 0) << i;
  }
  const auto refused = limiter.admit("10.0.0.1", kStart);
  EXPECT_NEAR(refused.retry_after_s, 1200, 0.001) << "one drains every 20 minutes";
  EXPECT_TRUE(refused.by_address);
  EXPECT_EQ(limiter.admit("10.0.0.2", kStart).retry_after_s, 0) << "another address";
  EXPECT_EQ(limiter.admit("10.0.0.1", kStart + 21min).retry_after_s, 0);
  EXPECT_GT(limiter.admit("10.0.0.1", kStart + 21min).retry_after_s, 0);
}

TEST(RegistrationLimiterTest, InAllWhateverTheAddress) {
  RegistrationLimiter limiter(limits(0, 2));
  EXPECT_EQ(limiter.admit("10.0.0.1", kStart).retry_after_s, 0);
  EXPECT_EQ(limiter.admit("10.0.0.2", kStart).retry_after_s, 0);
  const auto refused = limiter.admit("10.0.0.3", kStart);
  EXPECT_NEAR(refused.retry_after_s, 1800, 0.001);
  EXPECT_FALSE(refused.by_address);
  EXPECT_GT(limiter.admit("", kStart).retry_after_s, 0) << "loopback too";
}

TEST(RegistrationLimiterTest, ARefusedRegistrationIsNotCounted) {
  RegistrationLimiter limiter(limits(1, 0));
  ASSERT_EQ(limiter.admit("10.0.0.1", kStart).retry_after_s, 0);
  for (int i = 0; i < 10; ++i) {
    ASSERT_GT(limiter.admit("10.0.0.1", kStart).retry_after_s, 0);
  }
  EXPECT_EQ(limiter.admit("10.0.0.1", kStart + 61min).retry_after_s, 0) << "one period, not eleven";
}

TEST(RegistrationLimiterTest, ARefundGivesTheRegistrationBack) {
  RegistrationLimiter limiter(limits(1, 1));
  ASSERT_EQ(limiter.admit("10.0.0.1", kStart).retry_after_s, 0);
  ASSERT_GT(limiter.admit("10.0.0.1", kStart).retry_after_s, 0);
  limiter.refund("10.0.0.1");
  EXPECT_EQ(limiter.admit("10.0.0.1", kStart).retry_after_s, 0);
}

TEST(RegistrationLimiterTest, AnEmptyAddressKeyHasNoPerAddressLimit) {
  RegistrationLimiter limiter(limits(1, 0));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(limiter.admit("", kStart).retry_after_s, 0);
  }
  EXPECT_EQ(limiter.addresses(), 0u);
}

TEST(RegistrationLimiterTest, ASprayOfAddressesIsBounded) {
  RegistrationLimits l = limits(5, 0);
  l.max_addresses = 64;
  RegistrationLimiter limiter(l);
  for (int i = 0; i < 5000; ++i) {
    limiter.admit("10.2." + std::to_string(i / 250) + "." + std::to_string(i % 250), kStart);
  }
  EXPECT_EQ(limiter.addresses(), 64u);
  limiter.admit("10.3.0.1", kStart + 2h);  // everything drained: forgotten
  EXPECT_EQ(limiter.addresses(), 1u);
}

}  // namespace
}  // namespace chat::server
