#include "reconnect_backoff.h"

#include <algorithm>

#include <fmt/format.h>

namespace chat::client {

ReconnectBackoff::ReconnectBackoff(std::uint32_t seed) : random_(seed) {}

std::chrono::milliseconds ReconnectBackoff::next() {
  // kFirst doubled per attempt so far, up to kMax (the shift is bounded before it can overflow).
  const unsigned doublings = std::min(attempts_, 16u);
  const std::chrono::milliseconds base =
      std::min<std::chrono::milliseconds>(kFirst * (std::int64_t{1} << doublings), kMax);
  ++attempts_;
  std::uniform_real_distribution<double> spread(0.75, 1.25);
  // Spread after the cap: the clients waiting kMax each still come back at different times.
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(
      static_cast<double>(base.count()) * spread(random_)));
}

std::string connection_lost_line(std::string_view reason, std::chrono::milliseconds delay) {
  // ChatConnection's own reasons may already say "connection lost: ECONNRESET...".
  constexpr std::string_view kLost = "connection lost: ";
  if (reason.starts_with(kLost)) {
    reason.remove_prefix(kLost.size());
  }
  return fmt::format("! connection lost: {}; reconnecting in {}...", reason, seconds_text(delay));
}

std::string seconds_text(std::chrono::milliseconds d) {
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}

}  // namespace chat::client
