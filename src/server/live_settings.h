// Internal header (server). The settings a reload changes while the server runs (SIGHUP, the
// console's reload, a Windows service's parameter change): the per-session limits and the
// message of the day. ServerCore holds one; the handlers read it instead of ServerConfig.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "server_config.h"

namespace chat::server {

// The limits a newly accepted connection gets (ServerConfig's fields of the same names); those
// accepted earlier keep theirs. Read together, so a connection never gets half of a reload.
struct SessionLimits {
  std::uint32_t flood_burst = 0;
  std::uint32_t flood_rate = 0;
  std::uint32_t whisper_bytes_per_s = 0;
};

// Thread-safe: each read returns one reload's values whole; a reload is seen by connections from
// their next read. Read on accept and join, never per message.
class LiveSettings {
 public:
  explicit LiveSettings(const ServerConfig& config) { set(config); }

  SessionLimits session_limits() const {
    std::lock_guard lock(mutex_);
    return limits_;
  }
  // What the next Welcome says.
  std::string motd() const {
    std::lock_guard lock(mutex_);
    return motd_;
  }

  // Takes the reloadable fields of `config` (the ones above).
  void set(const ServerConfig& config) {
    std::lock_guard lock(mutex_);
    limits_ = {config.flood_burst, config.flood_rate, config.whisper_bytes_per_s};
    motd_ = config.motd;
  }

 private:
  mutable std::mutex mutex_;
  SessionLimits limits_;  // guarded by mutex_
  std::string motd_;      // guarded by mutex_
};

}  // namespace chat::server
