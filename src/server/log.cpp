#include "log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include <fmt/chrono.h>

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
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  const std::tm tm = fmt::gmtime(t);  // portable, unlike gmtime_r/gmtime_s
  const std::string line = fmt::format(
      "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {:<5} {}\n", tm.tm_year + 1900, tm.tm_mon + 1,
      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms, kNames[static_cast<int>(lvl)],
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
