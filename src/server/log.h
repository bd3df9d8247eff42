// Public header. Levelled, thread-safe logging to stderr: who, what, why.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace chat::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// Thread-safe. Lines below the level are dropped before formatting.
void set_level(Level level);
Level level();
bool parse_level(std::string_view text, Level& out);

// Writes one whole line (never interleaved with another thread's line). Thread-safe.
void write(Level level, std::string_view message);

template <typename... Args>
void at(Level lvl, fmt::format_string<Args...> format, Args&&... args) {
  if (lvl >= level()) {
    write(lvl, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... a) {
  at(Level::debug, f, std::forward<Args>(a)...);
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... a) {
  at(Level::info, f, std::forward<Args>(a)...);
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... a) {
  at(Level::warn, f, std::forward<Args>(a)...);
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... a) {
  at(Level::error, f, std::forward<Args>(a)...);
}

}  // namespace chat::log
