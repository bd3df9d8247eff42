#include "memory_account_store.h"

#include "../validation.h"

namespace chat::server {

std::string ban_id(Ban::Kind kind, const std::string& key) {
  return (kind == Ban::Kind::nickname ? "n:" : "a:") + key;
}

std::optional<Account> MemoryAccountStore::find(std::string_view nickname) const {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  if (it == accounts_.end()) {
    return std::nullopt;
  }
  return it->second;
}

bool MemoryAccountStore::is_registered(std::string_view nickname) const {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  return accounts_.count(key) != 0;
}

bool MemoryAccountStore::is_operator(std::string_view nickname) const {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  return it != accounts_.end() && (it->second.is_operator || run_operators_.count(key) != 0);
}

bool MemoryAccountStore::add(const std::string& nickname, std::string password_hash) {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  return accounts_.emplace(key, Account{nickname, std::move(password_hash), false}).second;
}

void MemoryAccountStore::load(std::string key, Account account) {
  std::lock_guard lock(mutex_);
  accounts_[key] = std::move(account);
}

bool MemoryAccountStore::set_operator(std::string_view nickname, bool is_operator) {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  if (it == accounts_.end()) {
    return false;
  }
  it->second.is_operator = is_operator;
  if (!is_operator) {
    run_operators_.erase(key);
  }
  return true;
}

void MemoryAccountStore::give_operator_for_this_run(std::string_view nickname) {
  std::lock_guard lock(mutex_);
  run_operators_.insert(fold_name(nickname));
}

bool MemoryAccountStore::give_operator_for_this_run_if_registered(std::string_view nickname) {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  if (!accounts_.contains(key)) {
    return false;
  }
  run_operators_.insert(key);
  return true;
}

void MemoryAccountStore::take_operator_for_this_run(std::string_view nickname) {
  std::lock_guard lock(mutex_);
  run_operators_.erase(fold_name(nickname));
}

std::vector<std::string> MemoryAccountStore::operators() const {
  std::vector<std::string> names;
  std::lock_guard lock(mutex_);
  for (const auto& [key, account] : accounts_) {
    if (account.is_operator || run_operators_.count(key) != 0) {
      names.push_back(account.nickname);
    }
  }
  return names;
}

bool MemoryAccountStore::set_password(std::string_view nickname, std::string password_hash,
                                      const std::string* only_if_hash) {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  if (it == accounts_.end() ||
      (only_if_hash != nullptr && it->second.password_hash != *only_if_hash)) {
    return false;
  }
  it->second.password_hash = std::move(password_hash);
  return true;
}

bool MemoryAccountStore::remove(std::string_view nickname, const std::string* only_if_hash) {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  if (it == accounts_.end() ||
      (only_if_hash != nullptr && it->second.password_hash != *only_if_hash)) {
    return false;
  }
  accounts_.erase(it);
  run_operators_.erase(key);  // a new owner of the name is nobody's operator
  return true;
}

bool MemoryAccountStore::has_password_hash(std::string_view nickname,
                                           const std::string& password_hash) const {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  return it != accounts_.end() && it->second.password_hash == password_hash;
}

void MemoryAccountStore::store_mute(const Mute& mute) {
  const std::string key = fold_name(mute.nickname);
  std::lock_guard lock(mutex_);
  mutes_[key] = mute;
}

void MemoryAccountStore::delete_mute(std::string_view nickname) {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  mutes_.erase(key);
}

std::vector<Mute> MemoryAccountStore::stored_mutes(std::uint64_t now_ms) {
  std::vector<Mute> out;
  std::lock_guard lock(mutex_);
  std::erase_if(mutes_, [&](const auto& entry) {
    return entry.second.until_ms != 0 && entry.second.until_ms <= now_ms;
  });
  for (const auto& [key, mute] : mutes_) {
    out.push_back(mute);
  }
  return out;
}

void MemoryAccountStore::ban(Ban ban) {
  std::string id = ban_id(ban.kind, ban.key);
  std::lock_guard lock(mutex_);
  bans_[std::move(id)] = std::move(ban);
}

bool MemoryAccountStore::unban(Ban::Kind kind, const std::string& key) {
  const std::string id = ban_id(kind, key);
  std::lock_guard lock(mutex_);
  return bans_.erase(id) != 0;
}

std::optional<Ban> MemoryAccountStore::banned(Ban::Kind kind, const std::string& key,
                                              std::uint64_t now_ms) {
  const std::string id = ban_id(kind, key);
  std::lock_guard lock(mutex_);
  const auto it = bans_.find(id);
  if (it == bans_.end()) {
    return std::nullopt;
  }
  if (it->second.until_ms != 0 && it->second.until_ms <= now_ms) {
    bans_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

std::vector<Ban> MemoryAccountStore::bans(std::uint64_t now_ms) {
  std::vector<Ban> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, ban] : bans_) {
    if (ban.until_ms == 0 || ban.until_ms > now_ms) {
      out.push_back(ban);
    }
  }
  return out;
}

void MemoryAccountStore::record_audit(const AuditEntry& entry) {
  std::lock_guard lock(mutex_);
  audit_.push_back(entry);
  if (audit_.size() > kAuditKept) {
    audit_.pop_front();
  }
}

std::vector<std::string> MemoryAccountStore::recent_audit(std::size_t count) const {
  std::vector<std::string> lines;
  std::lock_guard lock(mutex_);
  const std::size_t from = audit_.size() > count ? audit_.size() - count : 0;
  for (std::size_t i = from; i < audit_.size(); ++i) {
    lines.push_back(format_audit(audit_[i]));
  }
  return lines;
}

}  // namespace chat::server
