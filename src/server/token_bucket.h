// Internal header (server). A token bucket: the flood control of one session.
#pragma once

#include <algorithm>
#include <chrono>

namespace chat::server {

// Holds up to `burst` tokens and gains `rate_per_s` a second; each request takes one. A client
// may send `burst` requests at once and `rate_per_s` a second after that. Not thread-safe: it
// belongs to one session and is used from that session's own callbacks.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // rate_per_s 0 switches the bucket off: take() always succeeds.
  TokenBucket(double rate_per_s, double burst)
      : rate_per_s_(rate_per_s), burst_(std::max(1.0, burst)), tokens_(burst_) {}

  // Refills the bucket for the time since the last call, then takes one token if there is one.
  bool take(Clock::time_point now) {
    if (rate_per_s_ <= 0) {
      return true;
    }
    if (now > last_) {
      const double elapsed_s = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + elapsed_s * rate_per_s_);
      last_ = now;
    }
    if (tokens_ < 1.0) {
      return false;
    }
    tokens_ -= 1.0;
    return true;
  }

  // Starts over full, as for a new connection in a reused slot.
  void reset(Clock::time_point now) {
    tokens_ = burst_;
    last_ = now;
  }

 private:
  double rate_per_s_;
  double burst_;
  double tokens_;
  Clock::time_point last_{};
};

}  // namespace chat::server
