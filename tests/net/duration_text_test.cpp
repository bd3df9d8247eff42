#include "net/wire/duration_text.h"

#include <gtest/gtest.h>

#include <string>

namespace chat::wire {
namespace {

using std::chrono::milliseconds;

TEST(DurationText, SuffixesCountInTheirUnit) {
  EXPECT_EQ(parse_duration("500ms", DurationUnit::seconds), milliseconds(500));
  EXPECT_EQ(parse_duration("30s", DurationUnit::milliseconds), milliseconds(30'000));
  EXPECT_EQ(parse_duration("2m", DurationUnit::seconds), milliseconds(120'000));
  EXPECT_EQ(parse_duration("1h", DurationUnit::seconds), milliseconds(3'600'000));
  EXPECT_EQ(parse_duration("7d", DurationUnit::seconds), milliseconds(7 * 86'400'000LL));
  EXPECT_EQ(parse_duration("0", DurationUnit::seconds), milliseconds(0));
  EXPECT_EQ(parse_duration("0s", DurationUnit::seconds), milliseconds(0));
}

TEST(DurationText, ABareNumberCountsInTheFlagsUnit) {
  EXPECT_EQ(parse_duration("30", DurationUnit::seconds), milliseconds(30'000));
  EXPECT_EQ(parse_duration("30", DurationUnit::milliseconds), milliseconds(30));
  EXPECT_EQ(parse_duration("2", DurationUnit::days), milliseconds(2 * 86'400'000LL));
}

TEST(DurationText, WithoutABareUnitASuffixIsRequired) {
  EXPECT_EQ(parse_duration("90s", std::nullopt), milliseconds(90'000));
  EXPECT_EQ(parse_duration("1.5h", std::nullopt), milliseconds(5'400'000));
  EXPECT_FALSE(parse_duration("90", std::nullopt).has_value());
  EXPECT_FALSE(parse_duration("0", std::nullopt).has_value());
}

TEST(DurationText, FractionsAreExactToTheMillisecond) {
  EXPECT_EQ(parse_duration("1.5", DurationUnit::seconds), milliseconds(1500));
  EXPECT_EQ(parse_duration("0.25s", DurationUnit::milliseconds), milliseconds(250));
  EXPECT_EQ(parse_duration("0.001s", DurationUnit::seconds), milliseconds(1));
  EXPECT_EQ(parse_duration("1.5ms", DurationUnit::seconds), milliseconds(1));  // below: dropped
  EXPECT_EQ(parse_duration("0.5m", DurationUnit::seconds), milliseconds(30'000));
  EXPECT_EQ(parse_duration("1.0000000000001s", DurationUnit::seconds), milliseconds(1000));
}

TEST(DurationText, AnythingElseIsRefused) {
  for (const char* text : {"", "s", "ms", "-1", "-1s", "+1s", " 1s", "1s ", "1 s", "1x", "1sec",
                           "1.", ".5s", "1..5s", "1e3", "1S", "0x10", "99999999999999999999"}) {
    EXPECT_FALSE(parse_duration(text, DurationUnit::seconds).has_value()) << "'" << text << "'";
  }
  EXPECT_FALSE(parse_duration("1000000d", DurationUnit::seconds).has_value());  // past 100 years
  EXPECT_TRUE(parse_duration("36000d", DurationUnit::seconds).has_value());
}

TEST(DurationText, FormatsTheShortestExactSpellingThatParsesBack) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(format_duration(milliseconds(30'000)), "30s");
  EXPECT_EQ(format_duration(milliseconds(90'000)), "90s");
  EXPECT_EQ(format_duration(milliseconds(120'000)), "2m");
  EXPECT_EQ(format_duration(milliseconds(3'600'000)), "1h");
  EXPECT_EQ(format_duration(milliseconds(86'400'000)), "1d");
  for (const long long ms : {1LL, 999LL, 1000LL, 61'000LL, 7'200'000LL, 90'061'001LL}) {
    EXPECT_EQ(parse_duration(format_duration(milliseconds(ms)), DurationUnit::days),
              milliseconds(ms));
  }
}

}  // namespace
}  // namespace chat::wire
