// Each log line starts with the UTC time it was written, to the millisecond (ISO 8601, 'Z').
#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "log.h"

namespace chat::testing {
namespace {

// The number of `digits` digits at `text[at]`, or nullopt.
std::optional<int> digits_at(std::string_view text, std::size_t at, std::size_t digits) {
  if (text.size() < at + digits) {
    return std::nullopt;
  }
  int value = 0;
  const char* const end = text.data() + at + digits;
  const auto [stop, error] = std::from_chars(text.data() + at, end, value);
  if (error != std::errc{} || stop != end) {
    return std::nullopt;
  }
  return value;
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ " at the start of `line` as a time point, or nullopt.
std::optional<std::chrono::sys_time<std::chrono::milliseconds>> leading_time(
    std::string_view line) {
  using namespace std::chrono;
  constexpr std::string_view kShape = "0000-00-00T00:00:00.000Z ";
  if (line.size() < kShape.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] != '0' && line[i] != kShape[i]) {
      return std::nullopt;
    }
  }
  const auto y = digits_at(line, 0, 4);
  const auto mo = digits_at(line, 5, 2);
  const auto d = digits_at(line, 8, 2);
  const auto h = digits_at(line, 11, 2);
  const auto mi = digits_at(line, 14, 2);
  const auto s = digits_at(line, 17, 2);
  const auto ms = digits_at(line, 20, 3);
  if (!y || !mo || !d || !h || !mi || !s || !ms) {
    return std::nullopt;
  }
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok() || *h > 23 || *mi > 59 || *s > 60) {
    return std::nullopt;
  }
  return sys_days{date} + hours{*h} + minutes{*mi} + seconds{*s} + milliseconds{*ms};
}

TEST(LogTime, EachLineStartsWithTheUtcTimeItWasWritten) {
  using namespace std::chrono;
  std::string line;
  log::set_sink([&line](std::string_view written) { line = written; });
  const auto before = time_point_cast<milliseconds>(system_clock::now());
  log::write(log::Level::error, "the time test");
  const auto after = time_point_cast<milliseconds>(system_clock::now());
  log::set_sink(nullptr);

  const auto written = leading_time(line);
  ASSERT_TRUE(written.has_value()) << line;
  EXPECT_GE(*written, before) << line;
  EXPECT_LE(*written, after) << line;
  EXPECT_NE(line.find("ERROR the time test"), std::string::npos) << line;
}

}  // namespace
}  // namespace chat::testing
