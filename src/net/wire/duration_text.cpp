#include "duration_text.h"

#include <cstdint>

namespace chat::wire {
namespace {

constexpr std::int64_t kMaxMilliseconds = std::int64_t{100} * 366 * 86'400'000;

std::int64_t milliseconds_in(DurationUnit unit) {
  switch (unit) {
    case DurationUnit::milliseconds:
      return 1;
    case DurationUnit::seconds:
      return 1000;
    case DurationUnit::minutes:
      return 60'000;
    case DurationUnit::hours:
      return 3'600'000;
    case DurationUnit::days:
      return 86'400'000;
  }
  return 1;
}

std::optional<DurationUnit> unit_named(std::string_view suffix,
                                       std::optional<DurationUnit> bare_unit) {
  if (suffix.empty()) {
    return bare_unit;
  }
  if (suffix == "ms") {
    return DurationUnit::milliseconds;
  }
  if (suffix == "s") {
    return DurationUnit::seconds;
  }
  if (suffix == "m") {
    return DurationUnit::minutes;
  }
  if (suffix == "h") {
    return DurationUnit::hours;
  }
  if (suffix == "d") {
    return DurationUnit::days;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::optional<DurationUnit> bare_unit) {
  // Digits, then an optional fraction, in integers: no locale, no rounding surprises.
  std::size_t i = 0;
  std::int64_t whole = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    whole = whole * 10 + (text[i] - '0');
    if (whole > kMaxMilliseconds) {
      return std::nullopt;
    }
    ++i;
  }
  if (i == 0) {
    return std::nullopt;  // no digits first: empty, a sign, a space, a lone suffix
  }
  std::int64_t fraction = 0;  // the fraction's digits, scaled to `scale`
  std::int64_t scale = 1;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t first_digit = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (scale < 1'000'000'000) {  // digits past nine are below a millisecond of any unit
        fraction = fraction * 10 + (text[i] - '0');
        scale *= 10;
      }
      ++i;
    }
    if (i == first_digit) {
      return std::nullopt;  // "5." is a typo, not a number
    }
  }
  const auto unit = unit_named(text.substr(i), bare_unit);
  if (!unit) {
    return std::nullopt;
  }
  const std::int64_t per_unit = milliseconds_in(*unit);
  if (whole > kMaxMilliseconds / per_unit) {
    return std::nullopt;
  }
  const std::int64_t total = whole * per_unit + fraction * per_unit / scale;
  if (total > kMaxMilliseconds) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds value) {
  const std::int64_t ms = value.count();
  if (ms == 0) {
    return "0";
  }
  for (const auto& [unit, suffix] :
       {std::pair{DurationUnit::days, "d"}, std::pair{DurationUnit::hours, "h"},
        std::pair{DurationUnit::minutes, "m"}, std::pair{DurationUnit::seconds, "s"}}) {
    if (ms % milliseconds_in(unit) == 0) {
      return std::to_string(ms / milliseconds_in(unit)) + suffix;
    }
  }
  return std::to_string(ms) + "ms";
}

}  // namespace chat::wire
