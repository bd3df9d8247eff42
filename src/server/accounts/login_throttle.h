// Internal header (server). Slows down password guessing without locking anyone else out.
// Failures are counted per (nickname, client address) pair: a guesser shuts only its own pair,
// so the owner logging in from another address, and everyone else behind the guesser's
// address, are not refused for it. An address failing across many nicknames (a sprayer) loses
// its pairs' free failures. docs/security.md, "Guessing", says what a client sees.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

#include "leaky_count.h"
#include "recent_map.h"

namespace chat::server {

struct LoginLimits {
  // Per pair: the first `free_failures` failed logins cost nothing; each one after shuts the
  // pair for `first_delay`, doubled per further failure, at most `max_delay`. A successful
  // login forgets the pair; so does `forget_after` without a failure.
  unsigned free_failures = 3;
  std::chrono::milliseconds first_delay{1000};
  std::chrono::milliseconds max_delay{std::chrono::minutes(10)};
  std::chrono::milliseconds forget_after{std::chrono::hours(1)};
  // Per address: failures there (on any nickname) drain at one per `address_drain`; while
  // `address_failures` or more are counted, the address is guessing, and its pairs have no free
  // failures (the first shuts the pair). 0: failures never drain.
  unsigned address_failures = 20;
  std::chrono::milliseconds address_drain{6000};
  // Memory: at most this many pairs and this many addresses are remembered; past it, the one
  // whose last failure is oldest is forgotten.
  std::size_t max_pairs = 65536;
  std::size_t max_addresses = 65536;
};

// Thread-safe: the auth threads share it (one lock, held for map operations only).
class LoginThrottle {
 public:
  using Clock = LeakyCount::Clock;

  explicit LoginThrottle(const LoginLimits& limits);

  // Before a password is checked for `name_key` (fold_name) from `address_key`: the seconds
  // until that pair may try again (it is shut), or 0: check it now. A check let through counts
  // as a failure at once, so that concurrent guesses on other threads see it; succeeded()
  // takes it back.
  double begin_check(const std::string& name_key, const std::string& address_key,
                     Clock::time_point now);
  // The password was right: forgets the pair's failures and takes back the address's count of
  // this check.
  void succeeded(const std::string& name_key, const std::string& address_key);

  std::size_t pairs() const;      // pairs remembered (tests)
  std::size_t addresses() const;  // addresses remembered (tests)

 private:
  struct Pair {
    unsigned failures = 0;
    Clock::time_point last_failure{};
    Clock::time_point shut_until{};
  };

  static std::string pair_key(const std::string& name_key, const std::string& address_key);
  Clock::duration delay_after(unsigned counted_failures) const;
  void forget_stale(Clock::time_point now);

  const LoginLimits limits_;
  const double address_drain_per_s_;
  mutable std::mutex mutex_;
  RecentMap<Pair> pairs_;            // by pair_key(), least recently failed first
  RecentMap<LeakyCount> addresses_;  // failures per address key
};

}  // namespace chat::server
