// Internal header (net backends). The delay before trying again a system call that failed for
// want of something the system may soon have again (memory, buffers): 10 ms, doubling with each
// failure in a row up to 1 s, back to the start once a try succeeds. One per thing retried;
// not thread-safe (guard it with what guards the thing).
#pragma once

#include <algorithm>
#include <chrono>

namespace chat::net {

class RetryBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{10};
  static constexpr std::chrono::milliseconds kMax{1000};

  // Another failure: the delay to wait before the next try.
  std::chrono::milliseconds next() {
    delay_ = delay_.count() == 0 ? kFirst : std::min(delay_ * 2, kMax);
    return delay_;
  }
  // A try succeeded: the next failure waits kFirst again.
  void reset() { delay_ = std::chrono::milliseconds{0}; }

 private:
  std::chrono::milliseconds delay_{0};  // 0: no failure since the last success
};

}  // namespace chat::net
