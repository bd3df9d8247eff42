// Internal header (server). Who holds which nickname.
#pragma once

#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/conn_id.h"

namespace chat::server {

// Nicknames are unique under fold_name(). Thread-safe (a reader/writer lock: lookups for whispers
// are far more common than joins).
class NicknameRegistry {
 public:
  struct Holder {
    net::ConnId id;
    std::string nickname;  // as its holder spelled it
    std::string host;      // the holder's address (numeric), for operators
  };

  // Gives `nickname` to `id` (connected from `host`); false if someone holds it (in any case).
  bool claim(std::string_view nickname, net::ConnId id, std::string_view host = {});
  // Gives `nickname` to `id` whoever holds it; returns the holder it was taken from, if any (a
  // registered user logging in again while an old connection of theirs lingers).
  std::optional<Holder> take_over(std::string_view nickname, net::ConnId id, std::string_view host);
  // Moves `id` from the nickname it holds to `nickname`, in one step: nobody can take either in
  // between. False (nothing changed) if someone else holds `nickname` or `id` holds none.
  // Another letter case of its own nickname is allowed: only the spelling changes. `moved`, if
  // given, runs once the move is done, still under the registry's lock, so that what it queues
  // (the rename's reply) comes before anything a later find() of the new name leads to. It must
  // not call back into the registry.
  bool rename(net::ConnId id, std::string_view nickname, const std::function<void()>& moved = {});
  // Frees `nickname` if `id` holds it.
  void release(std::string_view nickname, net::ConnId id);
  // Frees whatever nickname `id` holds, for a thread that does not know it (a timeout).
  void release_held_by(net::ConnId id);
  std::optional<Holder> find(std::string_view nickname) const;
  std::size_t size() const;
  // Everyone holding a nickname, in no particular order.
  std::vector<Holder> all() const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Holder> by_folded_;
  std::unordered_map<net::ConnId, std::string> folded_by_id_;  // the same, from the holder
};

}  // namespace chat::server
