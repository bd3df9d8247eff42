// Public header. Levelled, thread-safe logging to stderr or a file: who, what, why. One line per
// event, as text or as a JSON object.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace chat::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };
// text: "2026-11-22T03:37:27.738Z INFO  message". json: {"time":"2026-11-22T03:37:27.738Z",
// "level":"info","message":"message"}, for log shippers.
enum class Format { text, json };

// Thread-safe. Lines below the level are dropped before formatting.
void set_level(Level level);
Level level();
bool parse_level(std::string_view text, Level& out);
std::string_view level_name(Level level);  // "debug", ..., "off"
void set_format(Format format);            // thread-safe

// Appends the log to the file at `path` from now on instead of stderr. Returns an error text
// (nothing changes) when it cannot be opened, empty on success. Thread-safe.
std::string open_file(const std::string& path);
// Closes and opens the log file again (logrotate moved it away), keeping the old one when the
// new one cannot be opened; returns that error text, empty on success (or with no log file).
// Thread-safe.
std::string reopen_file();

// A message is cut to this many bytes (after escaping), with a marker saying how much was left
// out: a client that sends a 60,000-byte name cannot make a 60,000-byte line.
inline constexpr std::size_t kMaxMessageBytes = 2048;

// Writes one whole line (never interleaved with another thread's line). Thread-safe. The
// message is escaped first (wire::escape_text): any control, bidi, zero-width or line-breaking
// character in it (client text is logged: nicknames, quit reasons, commands) is written as a
// visible escape, so one event is always exactly one line and cannot drive a terminal.
void write(Level level, std::string_view message);

// Where whole lines go (each ends with '\n'); unset: stderr. For tests. Thread-safe; lines are
// handed over one at a time, under the writer's lock.
void set_sink(std::function<void(std::string_view line)> sink);

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
