// Internal header (server). A count that drains with time (a leaky bucket): "how many lately".
// Counts failed logins per address and registrations per address and in all.
#pragma once

#include <algorithm>
#include <chrono>

namespace chat::server {

// Goes up by one per add(), down by `drain_per_s` a second and by one per remove(), never below
// zero. Unlike a token bucket it may go past any limit (a sprayer's failures all count, and
// take as long to drain), and remove() takes back an add() (a refund). Not thread-safe: its
// owner serializes the calls.
class LeakyCount {
 public:
  using Clock = std::chrono::steady_clock;

  // drain_per_s 0: never drains.
  explicit LeakyCount(double drain_per_s) : drain_per_s_(drain_per_s) {}

  // The count at `now` (drained since the last call).
  double value(Clock::time_point now) {
    if (now > updated_) {
      if (updated_ != Clock::time_point{}) {
        const double elapsed_s = std::chrono::duration<double>(now - updated_).count();
        count_ = std::max(0.0, count_ - elapsed_s * drain_per_s_);
      }
      updated_ = now;
    }
    return count_;
  }
  void add(Clock::time_point now) { count_ = value(now) + 1.0; }
  void remove() { count_ = std::max(0.0, count_ - 1.0); }

  // Seconds until the count is at most `level` (0: it is now). Never, with no drain: a day.
  double seconds_until_at_most(double level, Clock::time_point now) {
    const double excess = value(now) - level;
    if (excess <= 0) {
      return 0;
    }
    return drain_per_s_ > 0 ? excess / drain_per_s_ : 86400.0;
  }

 private:
  double drain_per_s_;
  double count_ = 0;
  Clock::time_point updated_{};
};

}  // namespace chat::server
