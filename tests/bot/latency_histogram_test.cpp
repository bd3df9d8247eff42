#include "client/bot/latency_histogram.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace chat::bot {
namespace {

TEST(LatencyHistogramTest, EmptyHasNoPercentiles) {
  const LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.percentile(0.99), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 0; v < 32; ++v) {
    h.record(v);
  }
  EXPECT_EQ(h.count(), 32u);
  EXPECT_EQ(h.percentile(0.5), 15u);  // the 16th of 0..31
  EXPECT_EQ(h.percentile(1.0), 31u);
  EXPECT_EQ(h.max(), 31u);
  EXPECT_DOUBLE_EQ(h.mean(), 15.5);
}

// Every percentile of 1..100000 is reported within 1/32 above the true value, never below it.
TEST(LatencyHistogramTest, PercentilesAreWithinOneThirtySecondOfTheTruth) {
  LatencyHistogram h;
  constexpr std::uint64_t n = 100000;
  for (std::uint64_t v = 1; v <= n; ++v) {
    h.record(v);
  }
  for (const double f : {0.01, 0.5, 0.9, 0.99, 0.999}) {
    const auto truth = static_cast<std::uint64_t>(f * n);
    const std::uint64_t got = h.percentile(f);
    EXPECT_GE(got, truth) << f;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(truth) * (1.0 + 1.0 / 32) + 1) << f;
  }
  EXPECT_EQ(h.percentile(1.0), n);  // the maximum is exact
}

TEST(LatencyHistogramTest, OneOutlierShowsInTheTailOnly) {
  LatencyHistogram h;
  for (int i = 0; i < 999; ++i) {
    h.record(100);
  }
  h.record(5'000'000);
  EXPECT_LE(h.percentile(0.99), 103u);
  EXPECT_GE(h.percentile(0.99), 100u);
  EXPECT_EQ(h.percentile(1.0), 5'000'000u);
  EXPECT_EQ(h.max(), 5'000'000u);
}

TEST(LatencyHistogramTest, MergeAddsCountsAndKeepsTheMaximum) {
  LatencyHistogram a;
  LatencyHistogram b;
  for (int i = 0; i < 50; ++i) {
    a.record(10);
    b.record(1000);
  }
  b.record(7777);
  a.merge(b);
  EXPECT_EQ(a.count(), 101u);
  EXPECT_EQ(a.max(), 7777u);
  EXPECT_EQ(a.percentile(0.25), 10u);
  EXPECT_GE(a.percentile(0.75), 1000u);
  EXPECT_LE(a.percentile(0.75), 1031u);
}

TEST(LatencyHistogramTest, HugeValuesLandInTheLastBucketAndKeepTheirMaximum) {
  LatencyHistogram h;
  h.record(UINT64_MAX / 2);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.max(), UINT64_MAX / 2);
  EXPECT_GT(h.percentile(0.5), std::uint64_t{1} << 40);
}

}  // namespace
}  // namespace chat::bot
