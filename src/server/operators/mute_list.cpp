#include "mute_list.h"

#include "../unix_time.h"
#include "../validation.h"

namespace chat::server {

MuteList::MuteList(AccountStore& store) : store_(store) {
  for (Mute& m : store_.stored_mutes(unix_time_ms())) {
    const std::string key = fold_name(m.nickname);
    by_folded_[key] = std::move(m);
  }
  count_.store(by_folded_.size());
}

void MuteList::mute(Mute mute) {
  const std::string key = fold_name(mute.nickname);
  std::lock_guard writing(write_mutex_);
  store_.store_mute(mute);  // first: a failure (it throws) changes nothing
  std::lock_guard lock(mutex_);
  by_folded_[key] = std::move(mute);
  count_.store(by_folded_.size());
}

bool MuteList::unmute(std::string_view nickname) {
  const std::string key = fold_name(nickname);
  std::lock_guard writing(write_mutex_);
  store_.delete_mute(nickname);
  std::lock_guard lock(mutex_);
  const bool erased = by_folded_.erase(key) != 0;
  count_.store(by_folded_.size());
  return erased;
}

std::optional<MuteList::Mute> MuteList::muted(std::string_view nickname) {
  if (count_.load(std::memory_order_relaxed) == 0) {
    return std::nullopt;
  }
  const std::uint64_t now_ms = unix_time_ms();
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = by_folded_.find(key);
  if (it == by_folded_.end()) {
    return std::nullopt;
  }
  if (it->second.until_ms != 0 && it->second.until_ms <= now_ms) {
    // The stored row stays until the next start drops it or a new mute replaces it: no
    // database write on the chat path.
    by_folded_.erase(it);
    count_.store(by_folded_.size());
    return std::nullopt;
  }
  return it->second;
}

std::vector<MuteList::Mute> MuteList::all(std::uint64_t now_ms) {
  std::vector<Mute> out;
  std::lock_guard lock(mutex_);
  for (const auto& [key, mute] : by_folded_) {
    if (mute.until_ms == 0 || mute.until_ms > now_ms) {
      out.push_back(mute);
    }
  }
  return out;
}

}  // namespace chat::server
