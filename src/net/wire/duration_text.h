// Public header. Durations as people type them in flags and configuration files: "500ms",
// "30s", "2m", "1h", "7d", or a bare number in the unit the setting names. Pure functions;
// thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace chat::wire {

enum class DurationUnit { milliseconds, seconds, minutes, hours, days };

// Parses `text`: a non-negative number (digits, an optional fraction) and an optional unit
// suffix (ms, s, m, h, d); without one the number counts in `bare_unit` (none: a suffix is
// required). Fractions of a millisecond are dropped. nullopt for anything else: an empty text,
// a sign, spaces, an unknown or missing suffix, or a value past about 100 years.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::optional<DurationUnit> bare_unit);

// The shortest exact spelling parse_duration() reads back: "0", "250ms", "30s", "2m", "1h",
// "7d".
std::string format_duration(std::chrono::milliseconds value);

}  // namespace chat::wire
