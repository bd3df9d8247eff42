#include "login_throttle.h"

#include <algorithm>
#include <iterator>

namespace chat::server {
namespace {

double per_second(LoginThrottle::Clock::duration every) {
  return 1.0 / std::chrono::duration<double>(every).count();
}

}  // namespace

LoginThrottle::LoginThrottle(const LoginLimits& limits)
    : fresh_account_(per_second(limits.account_every), limits.account_burst),
      fresh_address_(per_second(limits.address_every), limits.address_burst) {}

TokenBucket& LoginThrottle::bucket(std::unordered_map<std::string, TokenBucket>& map,
                                   const std::string& key, const TokenBucket& fresh) {
  return map.try_emplace(key, fresh).first->second;
}

double LoginThrottle::wait_seconds(const std::string& name_key, const std::string& address_key,
                                   Clock::time_point now) {
  forget_recovered(now);
  double wait = 0;
  if (const auto it = by_account_.find(name_key); it != by_account_.end()) {
    wait = std::max(wait, it->second.seconds_to_next(now));
  }
  if (const auto it = by_address_.find(address_key); it != by_address_.end()) {
    wait = std::max(wait, it->second.seconds_to_next(now));
  }
  return wait;
}

void LoginThrottle::failed(const std::string& name_key, const std::string& address_key,
                           Clock::time_point now) {
  bucket(by_account_, name_key, fresh_account_).take(now);
  bucket(by_address_, address_key, fresh_address_).take(now);
}

void LoginThrottle::forget_recovered(Clock::time_point now) {
  if (now < next_sweep_) {
    return;
  }
  next_sweep_ = now + std::chrono::minutes(1);
  for (auto* map : {&by_account_, &by_address_}) {
    for (auto it = map->begin(); it != map->end();) {
      it = it->second.full(now) ? map->erase(it) : std::next(it);
    }
  }
}

}  // namespace chat::server
