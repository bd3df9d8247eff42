#include "nickname_registry.h"

#include <mutex>

#include "validation.h"

namespace chat::server {

bool NicknameRegistry::claim(std::string_view nickname, net::ConnId id, std::string_view host) {
  std::string key = fold_name(nickname);
  std::unique_lock lock(mutex_);
  if (!by_folded_.try_emplace(key, Holder{id, std::string(nickname), std::string(host)}).second) {
    return false;
  }
  folded_by_id_[id] = std::move(key);
  return true;
}

std::optional<NicknameRegistry::Holder> NicknameRegistry::take_over(std::string_view nickname,
                                                                    net::ConnId id,
                                                                    std::string_view host) {
  std::string key = fold_name(nickname);
  std::unique_lock lock(mutex_);
  Holder& holder = by_folded_[key];
  std::optional<Holder> previous;
  if (holder.id.valid()) {
    previous = holder;
    folded_by_id_.erase(holder.id);
  }
  holder = Holder{id, std::string(nickname), std::string(host)};
  folded_by_id_[id] = std::move(key);
  return previous;
}

bool NicknameRegistry::rename(net::ConnId id, std::string_view nickname,
                              const std::function<void()>& moved) {
  std::string key = fold_name(nickname);
  std::unique_lock lock(mutex_);
  const auto held = folded_by_id_.find(id);
  if (held == folded_by_id_.end()) {
    return false;
  }
  const auto it = by_folded_.find(key);
  if (it != by_folded_.end() && it->second.id != id) {
    return false;
  }
  const auto old = by_folded_.find(held->second);
  Holder holder = old->second;
  holder.nickname = std::string(nickname);
  by_folded_.erase(old);
  by_folded_[key] = std::move(holder);
  held->second = std::move(key);
  if (moved) {
    moved();
  }
  return true;
}

void NicknameRegistry::release(std::string_view nickname, net::ConnId id) {
  std::unique_lock lock(mutex_);
  const auto it = by_folded_.find(fold_name(nickname));
  if (it != by_folded_.end() && it->second.id == id) {
    by_folded_.erase(it);
    folded_by_id_.erase(id);
  }
}

void NicknameRegistry::release_held_by(net::ConnId id) {
  std::unique_lock lock(mutex_);
  const auto it = folded_by_id_.find(id);
  if (it == folded_by_id_.end()) {
    return;
  }
  by_folded_.erase(it->second);
  folded_by_id_.erase(it);
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

std::vector<NicknameRegistry::Holder> NicknameRegistry::all() const {
  std::shared_lock lock(mutex_);
  std::vector<Holder> holders;
  holders.reserve(by_folded_.size());
  for (const auto& [key, holder] : by_folded_) {
    holders.push_back(holder);
  }
  return holders;
}

std::size_t NicknameRegistry::size() const {
  std::shared_lock lock(mutex_);
  return by_folded_.size();
}

}  // namespace chat::server
