#include "registration_limiter.h"

#include <algorithm>

namespace chat::server {

RegistrationLimiter::RegistrationLimiter(const RegistrationLimits& limits)
    : limits_(limits), in_all_(fresh_count(limits.in_all)), by_address_(limits.max_addresses) {}

LeakyCount RegistrationLimiter::fresh_count(unsigned limit) const {
  const double period_s = std::chrono::duration<double>(limits_.period).count();
  return LeakyCount(period_s > 0 ? limit / period_s : 0.0);
}

RegistrationLimiter::Verdict RegistrationLimiter::admit(const std::string& address_key,
                                                        Clock::time_point now) {
  const bool per_address = limits_.per_address != 0 && !address_key.empty();
  std::lock_guard lock(mutex_);
  by_address_.forget_oldest_while([&](LeakyCount& count) { return count.value(now) <= 0; });
  Verdict verdict;
  if (limits_.in_all != 0) {
    verdict.retry_after_s = in_all_.seconds_until_at_most(limits_.in_all - 1.0, now);
  }
  LeakyCount* address = per_address ? by_address_.find(address_key) : nullptr;
  if (address != nullptr) {
    const double wait = address->seconds_until_at_most(limits_.per_address - 1.0, now);
    if (wait > 0 && wait >= verdict.retry_after_s) {
      verdict = Verdict{wait, true};
    }
  }
  if (verdict.retry_after_s > 0) {
    return verdict;
  }
  in_all_.add(now);
  if (per_address) {
    by_address_.touch(address_key, fresh_count(limits_.per_address)).add(now);
  }
  return verdict;
}

void RegistrationLimiter::refund(const std::string& address_key) {
  std::lock_guard lock(mutex_);
  in_all_.remove();
  if (LeakyCount* address = by_address_.find(address_key)) {
    address->remove();
  }
}

std::size_t RegistrationLimiter::addresses() const {
  std::lock_guard lock(mutex_);
  return by_address_.size();
}

}  // namespace chat::server
