// Internal header (server). Per-address connection limits: how many connections one client
// address may hold at once, and how fast it may open new ones.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "token_bucket.h"

namespace chat::server {

// The unit the limits count: an IPv4 address, or an IPv6 address's /64 network (one host
// usually owns a whole /64, so counting single IPv6 addresses would count nothing). IPv4-mapped
// IPv6 addresses count as their IPv4 address. Empty for text that is not a numeric address.
// Thread-safe (pure).
std::string address_key(std::string_view numeric_host);
// 127.0.0.0/8 and ::1 (also IPv4-mapped). Thread-safe (pure).
bool is_loopback(std::string_view numeric_host);

// Counts connections per address key. Thread-safe: every method takes one lock; it is used on
// accept and on close, never per message.
class AddressLimits {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Verdict { admitted, too_many_connections, connecting_too_fast };

  // max_concurrent 0 and connects_per_s 0 switch that limit off.
  AddressLimits(unsigned max_concurrent, unsigned connects_per_s);

  // A new connection from `key`: counts it and says admitted, or refuses it (and counts
  // nothing). An empty key is admitted uncounted.
  Verdict admit(const std::string& key, Clock::time_point now);
  // A reload's new limits, for the connections from now on. The connections held stay counted,
  // and each address keeps what is left of its connect budget (up to a new, smaller burst): a
  // reload refills nobody's. Thread-safe.
  void set_limits(unsigned max_concurrent, unsigned connects_per_s,
                  Clock::time_point now = Clock::now());
  // {max_concurrent, connects_per_s} now.
  std::pair<unsigned, unsigned> limits() const;
  // An admitted connection from `key` closed.
  void release(const std::string& key);
  // Forgets addresses with no connection whose connect budget has refilled: the table holds only
  // the addresses that are connected or connected within the last second or so.
  void prune(Clock::time_point now);
  std::size_t tracked() const;  // addresses in the table (tests)

 private:
  struct Entry {
    unsigned connections = 0;
    TokenBucket connects;
    Clock::time_point last_connect;
  };

  unsigned max_concurrent_;  // guarded by mutex_
  unsigned connects_per_s_;  // guarded by mutex_
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> by_key_;
};

}  // namespace chat::server
