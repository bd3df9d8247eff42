// Internal header (server). Who an operator has muted, until when. Asked on every Broadcast and
// Whisper, so the common case (nobody muted) costs one atomic load.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace chat::server {

// Thread-safe. Kept in memory: mutes end when the server restarts.
class MuteList {
 public:
  struct Mute {
    std::string nickname;
    std::uint64_t until_ms = 0;  // Unix ms; 0: until lifted
    std::string by;
    std::string reason;
  };

  void mute(Mute mute);
  // False if `nickname` was not muted.
  bool unmute(std::string_view nickname);
  // The mute in force on `nickname` now, if any. With nobody muted: one atomic load, no clock.
  std::optional<Mute> muted(std::string_view nickname);
  std::vector<Mute> all(std::uint64_t now_ms);

 private:
  std::atomic<std::size_t> count_{0};  // entries, expired ones included
  std::mutex mutex_;
  std::unordered_map<std::string, Mute> by_folded_;
};

}  // namespace chat::server
