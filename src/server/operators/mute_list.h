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

#include "../storage/account_store.h"

namespace chat::server {

// Thread-safe. Kept in memory and written through to the AccountStore (its database, when it
// has one), so that mutes survive a restart as bans do.
class MuteList {
 public:
  using Mute = ::chat::server::Mute;

  // Loads the mutes `store` holds (none without a database); `store` must outlive this.
  explicit MuteList(AccountStore& store);

  // Stored first: throws std::runtime_error, changing nothing, when the database refuses.
  void mute(Mute mute);
  // False if `nickname` was not muted.
  bool unmute(std::string_view nickname);
  // The mute in force on `nickname` now, if any. With nobody muted: one atomic load, no clock.
  std::optional<Mute> muted(std::string_view nickname);
  std::vector<Mute> all(std::uint64_t now_ms);

 private:
  AccountStore& store_;
  std::atomic<std::size_t> count_{0};  // entries, expired ones included
  // One writer at a time (mute, unmute), held across the database write, so that the stored
  // rows and the map change in the same order. Never taken by muted(): a write waiting for the
  // disk holds up no broadcast.
  std::mutex write_mutex_;
  std::mutex mutex_;  // the map; after write_mutex_, and never across the database
  std::unordered_map<std::string, Mute> by_folded_;
};

}  // namespace chat::server
