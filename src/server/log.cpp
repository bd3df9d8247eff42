#include "log.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <system_error>

#include <fmt/format.h>

#include "net/wire/text_escape.h"

namespace chat::log {
namespace {
std::atomic<Level> g_level{Level::info};
std::atomic<Format> g_format{Format::text};
std::mutex g_write_mutex;
std::function<void(std::string_view)> g_sink;  // guarded by g_write_mutex
std::unique_ptr<std::ofstream> g_file;         // guarded by g_write_mutex; null: stderr
std::string g_file_path;                       // guarded by g_write_mutex
constexpr std::string_view kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
constexpr std::string_view kLowerNames[] = {"debug", "info", "warn", "error", "off"};

// A JSON string's contents. The message is escape_text()'s output already (valid UTF-8, no
// control characters), so only the quote and the backslash are left; controls are handled
// anyway, so that the line stays valid JSON whatever comes in.
std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string format_line(Level lvl, std::string_view message) {
  // UTC from C++20's calendar: no gmtime (not thread-safe), gmtime_r (POSIX) or gmtime_s (MSVC),
  // and nothing MSVC deprecates (C4996).
  using namespace std::chrono;
  const auto now = time_point_cast<milliseconds>(system_clock::now());
  const auto today = floor<days>(now);
  const year_month_day date{today};
  const hh_mm_ss time{now - today};
  const std::string stamp = fmt::format(
      "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
      time.minutes().count(), time.seconds().count(), time.subseconds().count());
  const std::string escaped =
      wire::escape_text(message, wire::EscapeOptions{kMaxMessageBytes, false, false});
  if (g_format.load(std::memory_order_relaxed) == Format::json) {
    return fmt::format("{{\"time\":\"{}\",\"level\":\"{}\",\"message\":\"{}\"}}\n", stamp,
                       kLowerNames[static_cast<int>(lvl)], json_escape(escaped));
  }
  return fmt::format("{} {:<5} {}\n", stamp, kNames[static_cast<int>(lvl)], escaped);
}

// std::ofstream rather than fopen, which MSVC deprecates (C4996). Null when it cannot be opened
// (errno says why).
std::unique_ptr<std::ofstream> open_append(const std::string& path) {
  errno = 0;
  auto file = std::make_unique<std::ofstream>(path, std::ios::app | std::ios::binary);
  if (!*file) {
    return nullptr;
  }
  return file;
}

std::string errno_text() {
  return errno == 0 ? std::string("unknown error") : std::generic_category().message(errno);
}
}  // namespace

void set_level(Level lvl) {
  g_level.store(lvl, std::memory_order_relaxed);
}
Level level() {
  return g_level.load(std::memory_order_relaxed);
}

std::string_view level_name(Level lvl) {
  return kLowerNames[static_cast<int>(lvl)];
}

void set_format(Format format) {
  g_format.store(format, std::memory_order_relaxed);
}

std::string open_file(const std::string& path) {
  auto file = open_append(path);
  if (!file) {
    return fmt::format("cannot open the log file {}: {}", path, errno_text());
  }
  std::lock_guard lock(g_write_mutex);
  g_file = std::move(file);
  g_file_path = path;
  return {};
}

std::string reopen_file() {
  std::lock_guard lock(g_write_mutex);
  if (!g_file) {
    return {};
  }
  auto file = open_append(g_file_path);
  if (!file) {
    return fmt::format("cannot reopen the log file {}: {}; still writing to the old one",
                       g_file_path, errno_text());
  }
  g_file = std::move(file);
  return {};
}

bool parse_level(std::string_view text, Level& out) {
  constexpr std::pair<std::string_view, Level> kLevels[] = {{"debug", Level::debug},
                                                            {"info", Level::info},
                                                            {"warn", Level::warn},
                                                            {"error", Level::error},
                                                            {"off", Level::off}};
  for (const auto& [name, lvl] : kLevels) {
    if (name == text) {
      out = lvl;
      return true;
    }
  }
  return false;
}

void write(Level lvl, std::string_view message) {
  const std::string line = format_line(lvl, message);
  std::lock_guard lock(g_write_mutex);
  if (g_sink) {
    g_sink(line);
    return;
  }
  if (g_file) {
    g_file->write(line.data(), static_cast<std::streamsize>(line.size()));
    g_file->flush();
    if (!*g_file) {
      // A full disk, say: this line is lost, but a failed stream would drop every later one
      // too, until a reopen. Said on stderr, which is all that is left.
      g_file->clear();
      std::fputs("log: a line could not be written to the log file\n", stderr);
    }
    return;
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void set_sink(std::function<void(std::string_view line)> sink) {
  std::lock_guard lock(g_write_mutex);
  g_sink = std::move(sink);
}

}  // namespace chat::log
