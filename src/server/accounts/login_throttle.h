// Internal header (server). Slows down password guessing: failed logins are counted per
// nickname and per client address in token buckets, and a login is refused while either is
// empty.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

#include "../token_bucket.h"

namespace chat::server {

// Failed logins allowed: per nickname, a burst of `account_burst`, then one per `account_every`;
// per client address, `address_burst`, then one per `address_every`.
struct LoginLimits {
  unsigned account_burst = 5;
  std::chrono::seconds account_every{60};
  unsigned address_burst = 20;
  std::chrono::seconds address_every{6};
};

// Not thread-safe: the auth worker thread owns it.
class LoginThrottle {
 public:
  using Clock = TokenBucket::Clock;

  explicit LoginThrottle(const LoginLimits& limits);

  // Seconds until a login for `name_key` from `address_key` may be tried; 0: now.
  double wait_seconds(const std::string& name_key, const std::string& address_key,
                      Clock::time_point now);
  // Counts one failed login against both.
  void failed(const std::string& name_key, const std::string& address_key, Clock::time_point now);

 private:
  TokenBucket& bucket(std::unordered_map<std::string, TokenBucket>& map, const std::string& key,
                      const TokenBucket& fresh);
  // Forgets the buckets that are full again, so the maps hold only recent failures.
  void forget_recovered(Clock::time_point now);

  const TokenBucket fresh_account_;
  const TokenBucket fresh_address_;
  std::unordered_map<std::string, TokenBucket> by_account_;
  std::unordered_map<std::string, TokenBucket> by_address_;
  Clock::time_point next_sweep_{};
};

}  // namespace chat::server
