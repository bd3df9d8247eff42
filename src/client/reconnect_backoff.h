// Public header. How long the console client waits before each attempt to reconnect.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace chat::client {

// Exponential backoff with jitter: 0.5 s, 1, 2, 4, 8, 16, then 30 s each time, every delay
// spread by up to a quarter either way, so that the clients of a restarted server do not all
// come back in the same millisecond.
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
  // After a connection that lasted: the next loss starts again at kFirst.
  void reset() { attempts_ = 0; }

 private:
  unsigned attempts_ = 0;
  std::mt19937 random_;
};

}  // namespace chat::client
