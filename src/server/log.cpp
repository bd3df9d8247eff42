#include "log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>

#include "net/wire/text_escape.h"

namespace chat::log {
namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_write_mutex;
std::function<void(std::string_view)> g_sink;  // guarded by g_write_mutex
constexpr std::string_view kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
}  // namespace

void set_level(Level lvl) {
  g_level.store(lvl, std::memory_order_relaxed);
}
Level level() {
  return g_level.load(std::memory_order_relaxed);
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
  // UTC from C++20's calendar: no gmtime (not thread-safe), gmtime_r (POSIX) or gmtime_s (MSVC),
  // and nothing MSVC deprecates (C4996).
  using namespace std::chrono;
  const auto now = time_point_cast<milliseconds>(system_clock::now());
  const auto today = floor<days>(now);
  const year_month_day date{today};
  const hh_mm_ss time{now - today};
  const std::string line =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {:<5} {}\n",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), time.hours().count(), time.minutes().count(),
                  time.seconds().count(), time.subseconds().count(), kNames[static_cast<int>(lvl)],
                  wire::escape_text(message, wire::EscapeOptions{kMaxMessageBytes, false, false}));
  std::lock_guard lock(g_write_mutex);
  if (g_sink) {
    g_sink(line);
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
