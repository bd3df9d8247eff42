// Internal header (net backends). Whether a worker may sleep yet, for IoConfig::busy_poll.
#pragma once

#include <chrono>

namespace chat::net {

// A worker that has just delivered completions keeps polling, without sleeping, until `window`
// has passed since the last wait that returned any. Traffic that keeps coming then finds the
// worker awake: no wake-up to wait for (tens of microseconds on a virtual machine) and none for
// the sender to pay. A zero window never delays sleep. One per worker thread; not shared.
class PollWindow {
 public:
  explicit PollWindow(std::chrono::microseconds window) : window_(window) {}

  // The last wait returned completions.
  void saw_completions() {
    if (window_.count() > 0) {
      last_ = Clock::now();
      seen_ = true;
    }
  }
  // False while the window since the last completions is open.
  bool may_sleep() const { return !seen_ || Clock::now() - last_ >= window_; }

 private:
  using Clock = std::chrono::steady_clock;
  const std::chrono::microseconds window_;
  Clock::time_point last_{};
  bool seen_ = false;  // no completions yet: sleep at once
};

}  // namespace chat::net
