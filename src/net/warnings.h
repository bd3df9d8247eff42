// Public header. How src/net tells the operator about a failure it recovered from on its own (a
// socket call that failed for one connection, an accept re-posted after a backoff): one line per
// event, at warning level. The net layer has no logger of its own; a program that has one routes
// these lines into it with set_warning_sink(), and without a sink they go to stderr.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace chat::net {

using WarningSink = void (*)(std::string_view message);

// Sends every later warning to `sink` (nullptr: back to stderr). The sink must be thread-safe:
// warnings come from worker threads. Thread-safe; meant for start-up (and for tests).
void set_warning_sink(WarningSink sink);

// Reports one warning. Thread-safe.
void warn(std::string_view message);

template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  warn(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
}

// Bounds the lines one kind of event can write: at most one a second, the next one saying how
// many were left out meanwhile. A peer can make some of these events happen (a connection reset
// in the accept queue), and a failing system call can repeat for as long as the system is short
// of something: neither may flood the log. One per call site, in the object that reports;
// thread-safe.
class WarningThrottle {
 public:
  template <typename... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) {
    unsigned left_out = 0;
    if (admit(left_out)) {
      std::string line = fmt::format(format, std::forward<Args>(args)...);
      if (left_out > 0) {
        line += fmt::format(" ({} more like it in the last second not logged)", left_out);
      }
      net::warn(std::string_view(line));
    }
  }

 private:
  bool admit(unsigned& left_out) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    std::int64_t last = last_ns_.load(std::memory_order_relaxed);
    if ((last == 0 || now - last >= kInterval.count()) &&
        last_ns_.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
      left_out = left_out_.exchange(0, std::memory_order_relaxed);
      return true;
    }
    left_out_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  static constexpr std::chrono::nanoseconds kInterval = std::chrono::seconds(1);
  std::atomic<std::int64_t> last_ns_{0};  // 0: nothing logged yet
  std::atomic<unsigned> left_out_{0};
};

}  // namespace chat::net
