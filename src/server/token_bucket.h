// Internal header (server). A token bucket: the flood control of one session.
#pragma once

#include <algorithm>
#include <chrono>

namespace chat::server {

// Holds up to `burst` tokens and gains `rate_per_s` a second; each request takes one. A client
// may send `burst` requests at once and `rate_per_s` a second after that. Not thread-safe: it
// belongs to one session and is used from that session's own callbacks (or to one owner
// that serializes its use, like the login throttle).
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // rate_per_s 0 switches the bucket off: take() always succeeds.
  TokenBucket(double rate_per_s, double burst)
      : rate_per_s_(rate_per_s), burst_(std::max(1.0, burst)), tokens_(burst_) {}

  // Refills the bucket for the time since the last call, then takes `n` tokens if they are all
  // there (none otherwise). n above the burst never succeeds.
  bool take(Clock::time_point now, double n = 1.0) {
    if (!can_take(now) || (rate_per_s_ > 0 && tokens_ < n)) {
      return false;
    }
    tokens_ -= rate_per_s_ > 0 ? n : 0.0;
    return true;
  }

  // Refills the bucket for the time since the last call; true if a token is there to take.
  bool can_take(Clock::time_point now) {
    if (rate_per_s_ <= 0) {
      return true;
    }
    if (now > last_) {
      const double elapsed_s = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + elapsed_s * rate_per_s_);
      last_ = now;
    }
    return tokens_ >= 1.0;
  }

  // Seconds until a token is there to take (0: one is there now).
  double seconds_to_next(Clock::time_point now) {
    return can_take(now) ? 0.0 : (1.0 - tokens_) / rate_per_s_;
  }

  double rate_per_s() const { return rate_per_s_; }
  double burst() const { return burst_; }

  // True when the bucket is full again: one that is can be forgotten.
  bool full(Clock::time_point now) { return can_take(now) && tokens_ >= burst_; }

  // Takes a new rate and burst (a reload) and keeps what is left of the tokens, up to the new
  // burst: a change of limits is no refill. A bucket that was off counts as full.
  void set_rate(double rate_per_s, double burst, Clock::time_point now) {
    const bool was_off = rate_per_s_ <= 0;
    can_take(now);  // brings tokens_ up to `now` at the old rate
    rate_per_s_ = rate_per_s;
    burst_ = std::max(1.0, burst);
    tokens_ = was_off ? burst_ : std::min(tokens_, burst_);
    last_ = std::max(last_, now);  // an earlier `now` than a take() saw credits no time twice
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
