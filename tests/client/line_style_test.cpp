#include "client/line_style.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "client/message_time.h"

namespace chat::client {
namespace {

using namespace std::chrono_literals;

TEST(LineStyle, ColoursByWhatTheLineIs) {
  EXPECT_EQ(line_style("! error TEXT_TOO_LONG: ...", "alice"), "\x1b[31m");
  EXPECT_EQ(line_style("* bob joined lobby", "alice"), "\x1b[36m");
  EXPECT_EQ(line_style("[whisper from bob] hi", "alice"), "\x1b[35m");
  EXPECT_EQ(line_style("[whisper to bob] hi", "alice"), "\x1b[35m");
  EXPECT_EQ(line_style("[lobby] <alice> mine", "alice"), "\x1b[32m");
  EXPECT_EQ(line_style("[lobby] <bob> theirs", "alice"), "");
  // Only the line's own prefix counts: text cannot make bob's line look like ours.
  EXPECT_EQ(line_style("[lobby] <bob> ] <alice> x", "alice"), "");
  EXPECT_EQ(line_style("[lobby] (earlier) <alice> old", "alice"), "");
}

TEST(LineStyle, TheTimeInFrontIsSkipped) {
  EXPECT_EQ(line_style("14:05 [lobby] <alice> mine", "alice"), "\x1b[32m");
  EXPECT_EQ(line_style("2026-12-06 14:05 [whisper from bob] hi", "alice"), "\x1b[35m");
}

TEST(MessageTime, TodayIsTheTimeOtherDaysHaveTheDate) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = [](std::chrono::system_clock::time_point t) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
  };
  const std::string today = message_time(ms(now), false, now);
  ASSERT_EQ(today.size(), 5u) << today;
  EXPECT_EQ(today[2], ':');
  const std::string long_ago = message_time(ms(now - 72h), false, now);
  ASSERT_EQ(long_ago.size(), 16u) << long_ago;
  EXPECT_EQ(long_ago.substr(11), message_time(ms(now - 72h), false, now - 72h));
  EXPECT_EQ(message_time(ms(now), true, now).substr(11), today);  // history: always the date
  EXPECT_EQ(message_time(0, false, now), "");
}

}  // namespace
}  // namespace chat::client
