#include "message_time.h"

#include <ctime>
#include <mutex>

#include <fmt/format.h>

namespace chat::client {
namespace {

// std::localtime's result is shared by every caller: one at a time.
std::tm local_time(std::time_t t) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  const std::tm* tm = std::localtime(&t);
  return tm != nullptr ? *tm : std::tm{};
}

}  // namespace

std::string message_time(std::uint64_t unix_ms, bool with_date,
                         std::chrono::system_clock::time_point now) {
  if (unix_ms == 0) {
    return {};
  }
  const auto when = local_time(static_cast<std::time_t>(unix_ms / 1000));
  const auto today = local_time(std::chrono::system_clock::to_time_t(now));
  const bool same_day = when.tm_year == today.tm_year && when.tm_yday == today.tm_yday;
  if (same_day && !with_date) {
    return fmt::format("{:02}:{:02}", when.tm_hour, when.tm_min);
  }
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", when.tm_year + 1900, when.tm_mon + 1,
                     when.tm_mday, when.tm_hour, when.tm_min);
}

}  // namespace chat::client
