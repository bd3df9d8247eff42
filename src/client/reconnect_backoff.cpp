#include "reconnect_backoff.h"

#include <algorithm>

namespace chat::client {

ReconnectBackoff::ReconnectBackoff(std::uint32_t seed) : random_(seed) {}

std::chrono::milliseconds ReconnectBackoff::next() {
  // kFirst doubled per attempt so far, up to kMax (the shift is bounded before it can overflow).
  const unsigned doublings = std::min(attempts_, 16u);
  const std::chrono::milliseconds base =
      std::min<std::chrono::milliseconds>(kFirst * (std::int64_t{1} << doublings), kMax);
  ++attempts_;
  std::uniform_real_distribution<double> spread(0.75, 1.25);
  const auto jittered = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(
      static_cast<double>(base.count()) * spread(random_)));
  return std::min(jittered, std::chrono::milliseconds(kMax));
}

}  // namespace chat::client
