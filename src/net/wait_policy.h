// Internal header (net backends). Whether a worker may block in its next wait: the one rule the
// run() loops of every backend follow.
#pragma once

#include <chrono>

namespace chat::net {

// A worker must not block while its handler has work left over (IoHandler::on_batch_end()
// returned true), nor within `busy_poll` (IoConfig::busy_poll) of the last wait that returned
// completions: traffic that keeps coming then finds the worker awake, with no wake-up to wait
// for (tens of microseconds on a virtual machine) and none for the sender to pay. A zero
// busy_poll never keeps a worker up by itself. One per worker thread; not shared.
class WaitPolicy {
 public:
  explicit WaitPolicy(std::chrono::microseconds busy_poll) : busy_poll_(busy_poll) {}

  // A wait returned; `got_completions` if it returned any.
  void after_wait(bool got_completions) {
    if (got_completions && busy_poll_.count() > 0) {
      last_completions_ = Clock::now();
      seen_completions_ = true;
    }
  }
  // on_batch_end() returned `handler_has_more`.
  void after_batch(bool handler_has_more) { handler_has_more_ = handler_has_more; }
  // False while the handler has more to do or the busy-poll window is open.
  bool may_block() const {
    return !handler_has_more_ &&
           (!seen_completions_ || Clock::now() - last_completions_ >= busy_poll_);
  }

 private:
  using Clock = std::chrono::steady_clock;
  const std::chrono::microseconds busy_poll_;
  Clock::time_point last_completions_{};
  bool seen_completions_ = false;  // none yet: block at once
  bool handler_has_more_ = false;
};

}  // namespace chat::net
