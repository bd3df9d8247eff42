// Internal header (server). The settings a reload changes while the server runs (SIGHUP, the
// console's reload, a Windows service's parameter change): the per-session limits and the
// message of the day. ServerCore holds one; the handlers read it instead of ServerConfig.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "server_config.h"

namespace chat::server {

// Thread-safe: each value reads whole; a reload is seen by connections from their next read.
class LiveSettings {
 public:
  explicit LiveSettings(const ServerConfig& config) { set(config); }

  // Flood control and the whisper allowance a newly accepted connection gets (ServerConfig's
  // fields of the same names); those accepted earlier keep theirs.
  std::uint32_t flood_burst() const { return flood_burst_.load(std::memory_order_relaxed); }
  std::uint32_t flood_rate() const { return flood_rate_.load(std::memory_order_relaxed); }
  std::uint32_t whisper_bytes_per_s() const {
    return whisper_bytes_per_s_.load(std::memory_order_relaxed);
  }
  // What the next Welcome says.
  std::string motd() const {
    std::lock_guard lock(mutex_);
    return motd_;
  }

  // Takes the reloadable fields of `config` (the ones above).
  void set(const ServerConfig& config) {
    flood_burst_.store(config.flood_burst, std::memory_order_relaxed);
    flood_rate_.store(config.flood_rate, std::memory_order_relaxed);
    whisper_bytes_per_s_.store(config.whisper_bytes_per_s, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    motd_ = config.motd;
  }

 private:
  std::atomic<std::uint32_t> flood_burst_{0};
  std::atomic<std::uint32_t> flood_rate_{0};
  std::atomic<std::uint32_t> whisper_bytes_per_s_{0};
  mutable std::mutex mutex_;
  std::string motd_;  // guarded by mutex_
};

}  // namespace chat::server
