// Public header. How long the console client waits before each attempt to reconnect.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace chat::client {

// Exponential backoff with jitter: 0.5 s, 1, 2, 4, 8, 16, then 30 s each time, every delay
// (those at the 30 s cap too) spread by up to a quarter either way, so that the clients of a
// restarted server do not all come back in the same millisecond.
//
// Thread contract: none; one thread (the reconnecting one) owns it.
class ReconnectBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{500};
  static constexpr std::chrono::milliseconds kMax{30000};

  explicit ReconnectBackoff(std::uint32_t seed = std::random_device{}());
  // The delay before the next attempt; each call counts one attempt.
  std::chrono::milliseconds next();
  // Attempts counted since the last reset().
  unsigned attempts() const { return attempts_; }
  // After a reconnect resumed the session and its connection carried something (not one the
  // server dropped right after welcoming it): the next loss starts again at kFirst, with every
  // attempt of --reconnect-attempts.
  void reset() { attempts_ = 0; }

 private:
  unsigned attempts_ = 0;
  std::mt19937 random_;
};

// "! connection lost: REASON; reconnecting in 0.5 s...", said once however REASON begins.
// Thread-safe.
std::string connection_lost_line(std::string_view reason, std::chrono::milliseconds delay);
// "0.5 s": a delay as the reconnect lines show it. Thread-safe.
std::string seconds_text(std::chrono::milliseconds d);

}  // namespace chat::client
