#include "login_throttle.h"

#include <algorithm>
#include <cstdint>

namespace chat::server {
namespace {

double seconds(LoginThrottle::Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

LoginThrottle::LoginThrottle(const LoginLimits& limits)
    : limits_(limits),
      address_drain_per_s_(limits.address_drain.count() > 0 ? 1.0 / seconds(limits.address_drain)
                                                            : 0.0),
      pairs_(limits.max_pairs),
      addresses_(limits.max_addresses) {}

std::string LoginThrottle::pair_key(const std::string& name_key, const std::string& address_key) {
  return name_key + ' ' + address_key;  // a name has no space in it (validation.h)
}

LoginThrottle::Clock::duration LoginThrottle::delay_after(unsigned counted_failures) const {
  // first_delay * 2^(counted_failures - 1), at most max_delay. 2^20 first delays are past any
  // sensible cap already, and the product stays far from overflowing.
  const unsigned doublings = std::min(counted_failures - 1, 20u);
  return std::min(limits_.first_delay * (std::int64_t{1} << doublings), limits_.max_delay);
}

void LoginThrottle::forget_stale(Clock::time_point now) {
  // Both maps are in order of the last failure, so the stale entries are at the front.
  pairs_.forget_oldest_while([&](const Pair& p) {
    return now >= p.shut_until && now - p.last_failure >= limits_.forget_after;
  });
  addresses_.forget_oldest_while([&](LeakyCount& failures) { return failures.value(now) <= 0; });
}

double LoginThrottle::begin_check(const std::string& name_key, const std::string& address_key,
                                  Clock::time_point now) {
  const std::string key = pair_key(name_key, address_key);
  std::lock_guard lock(mutex_);
  forget_stale(now);
  if (const Pair* pair = pairs_.find(key); pair != nullptr && pair->shut_until > now) {
    return seconds(pair->shut_until - now);
  }
  LeakyCount& address = addresses_.touch(address_key, LeakyCount(address_drain_per_s_));
  const bool guessing = address.value(now) >= limits_.address_failures;
  address.add(now);
  Pair& pair = pairs_.touch(key, Pair{});
  pair.failures += 1;
  pair.last_failure = now;
  const unsigned free = guessing ? 0 : limits_.free_failures;
  if (pair.failures > free) {
    pair.shut_until = now + delay_after(pair.failures - free);
  }
  return 0;
}

void LoginThrottle::succeeded(const std::string& name_key, const std::string& address_key) {
  const std::string key = pair_key(name_key, address_key);
  std::lock_guard lock(mutex_);
  pairs_.erase(key);
  if (LeakyCount* address = addresses_.find(address_key)) {
    address->remove();
  }
}

std::size_t LoginThrottle::pairs() const {
  std::lock_guard lock(mutex_);
  return pairs_.size();
}

std::size_t LoginThrottle::addresses() const {
  std::lock_guard lock(mutex_);
  return addresses_.size();
}

}  // namespace chat::server
