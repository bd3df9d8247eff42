// Public header (header-only: the programs' flag parsing, CLI11). A duration flag that takes a
// unit suffix ("500ms", "30s", "2m") or a bare number in the unit it names. Main thread only,
// while parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

#include "duration_text.h"

namespace chat::wire {

// Adds `names` (CLI11's "--linger,--linger-ms" form) setting `target`, at most `max`. The help
// shows the unit a bare number counts in and the default as format_duration() spells it; a
// value parse_duration() refuses, or one over `max`, is a usage error naming the flag.
inline CLI::Option* add_duration_option(CLI::App& app, const std::string& names,
                                        std::chrono::milliseconds& target, DurationUnit bare_unit,
                                        std::string description,
                                        std::chrono::milliseconds max = std::chrono::hours(24)) {
  static constexpr const char* kBareUnitNames[] = {"milliseconds", "seconds", "minutes", "hours",
                                                   "days"};
  description += std::string(" (a number with ms, s, m, h or d; a bare number counts in ") +
                 kBareUnitNames[static_cast<int>(bare_unit)] + ")";
  CLI::Option* option = app.add_option_function<std::string>(
      names,
      [&target, bare_unit](const std::string& text) {
        target = *parse_duration(text, bare_unit);  // checked by the validator below
      },
      description);
  option->check(CLI::Validator(
      [bare_unit, max](std::string& text) -> std::string {
        const auto value = parse_duration(text, bare_unit);
        if (!value) {
          return "'" + text + "' is not a duration such as 500ms, 30s, 2m or 1h";
        }
        if (*value > max) {
          return "'" + text + "' is over the most allowed, " + format_duration(max);
        }
        return {};
      },
      ""));
  option->type_name("DURATION");
  option->default_str(format_duration(target));
  return option;
}

}  // namespace chat::wire
