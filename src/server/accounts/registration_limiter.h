// Internal header (server). How many nicknames may be registered: per client address and on
// the whole server, per period (an hour by default). Without it one host registered about
// 48,000 accounts an hour, each costing an Argon2id hash and a row in the database.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

#include "leaky_count.h"
#include "recent_map.h"

namespace chat::server {

struct RegistrationLimits {
  // Registrations per `period` from one address, and in all; 0: no limit. Each drains evenly
  // over the period: with 10 an hour, all 10 may come at once, then one every 6 minutes.
  unsigned per_address = 10;
  unsigned in_all = 1000;
  std::chrono::milliseconds period{std::chrono::hours(1)};  // tests shorten it
  // Memory: at most this many addresses remembered; past it, the least recently counted one is
  // forgotten (which can only let that address register sooner, never in all).
  std::size_t max_addresses = 65536;
};

// Thread-safe (one lock, map operations only).
class RegistrationLimiter {
 public:
  using Clock = LeakyCount::Clock;

  explicit RegistrationLimiter(const RegistrationLimits& limits);

  struct Verdict {
    double retry_after_s = 0;  // 0: admitted, and counted
    bool by_address = false;   // refused by the per-address limit (else by the overall one)
  };
  // A registration from `address_key` (empty: none of the per-address limit, as for loopback
  // clients without --limit-loopback): admitted and counted against both limits, or refused
  // with the seconds until one would be admitted.
  Verdict admit(const std::string& address_key, Clock::time_point now);
  // An admitted registration that registered nothing (taken meanwhile, or the database failed):
  // it no longer counts.
  void refund(const std::string& address_key);

  std::size_t addresses() const;  // addresses remembered (tests)

 private:
  LeakyCount fresh_count(unsigned limit) const;

  const RegistrationLimits limits_;
  mutable std::mutex mutex_;
  LeakyCount in_all_;
  RecentMap<LeakyCount> by_address_;
};

}  // namespace chat::server
