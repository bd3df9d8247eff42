// Internal header (server). Who holds which nickname.
#pragma once

#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "net/conn_id.h"

namespace chat::server {

// Nicknames are unique under fold_name(). Thread-safe (a reader/writer lock: lookups for whispers
// are far more common than joins).
class NicknameRegistry {
 public:
  struct Holder {
    net::ConnId id;
    std::string nickname;  // as its holder spelled it
  };

  // Gives `nickname` to `id`; false if someone holds it (in any letter case).
  bool claim(std::string_view nickname, net::ConnId id);
  // Frees `nickname` if `id` holds it.
  void release(std::string_view nickname, net::ConnId id);
  std::optional<Holder> find(std::string_view nickname) const;
  std::size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Holder> by_folded_;
};

}  // namespace chat::server
