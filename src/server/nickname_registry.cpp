#include "nickname_registry.h"

#include <mutex>

#include "validation.h"

namespace chat::server {

bool NicknameRegistry::claim(std::string_view nickname, net::ConnId id) {
  std::unique_lock lock(mutex_);
  return by_folded_.try_emplace(fold_name(nickname), Holder{id, std::string(nickname)}).second;
}

void NicknameRegistry::release(std::string_view nickname, net::ConnId id) {
  std::unique_lock lock(mutex_);
  const auto it = by_folded_.find(fold_name(nickname));
  if (it != by_folded_.end() && it->second.id == id) {
    by_folded_.erase(it);
  }
}

std::optional<NicknameRegistry::Holder> NicknameRegistry::find(std::string_view nickname) const {
  const std::string key = fold_name(nickname);
  std::shared_lock lock(mutex_);
  const auto it = by_folded_.find(key);
  if (it == by_folded_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::size_t NicknameRegistry::size() const {
  std::shared_lock lock(mutex_);
  return by_folded_.size();
}

}  // namespace chat::server
