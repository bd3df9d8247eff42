// Internal header (server). Accounts, bans, mutes and the audit log in memory only, lost when the
// server stops: the account store of `--db ""` and `--db :memory:`, and the lookup cache of
// SqliteAccountStore.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "account_store.h"

namespace chat::server {

// Thread-safe: one lock over the maps, held for a check and the change it allows together.
class MemoryAccountStore final : public AccountStore {
 public:
  // The newest audit entries kept; older ones are dropped.
  static constexpr std::size_t kAuditKept = 1000;

  std::optional<Account> find(std::string_view nickname) const override;
  bool is_registered(std::string_view nickname) const override;
  bool is_operator(std::string_view nickname) const override;
  bool add(const std::string& nickname, std::string password_hash) override;
  bool set_operator(std::string_view nickname, bool is_operator) override;
  void give_operator_for_this_run(std::string_view nickname) override;
  bool give_operator_for_this_run_if_registered(std::string_view nickname) override;
  void take_operator_for_this_run(std::string_view nickname) override;
  std::vector<std::string> operators() const override;
  bool set_password(std::string_view nickname, std::string password_hash,
                    const std::string* only_if_hash = nullptr) override;
  bool remove(std::string_view nickname, const std::string* only_if_hash = nullptr) override;
  bool has_password_hash(std::string_view nickname,
                         const std::string& password_hash) const override;
  void store_mute(const Mute& mute) override;
  void delete_mute(std::string_view nickname) override;
  std::vector<Mute> stored_mutes(std::uint64_t now_ms) override;
  void ban(Ban ban) override;
  bool unban(Ban::Kind kind, const std::string& key) override;
  std::optional<Ban> banned(Ban::Kind kind, const std::string& key, std::uint64_t now_ms) override;
  std::vector<Ban> bans(std::uint64_t now_ms) override;
  std::vector<std::string> recent_audit(std::size_t count) const override;

  // Adds an account as loaded from storage under the key it was stored by (its name_key),
  // operator role and all (SqliteAccountStore's start).
  void load(std::string key, Account account);

 protected:
  void record_audit(const AuditEntry& entry) override;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Account> accounts_;  // by fold_name(nickname)
  std::unordered_map<std::string, Ban> bans_;          // by ban_id()
  std::unordered_map<std::string, Mute> mutes_;        // by fold_name(nickname)
  std::unordered_set<std::string> run_operators_;      // give_operator_for_this_run(), folded
  std::deque<AuditEntry> audit_;                       // the newest kAuditKept
};

// The key of a ban in a store's map or table: its kind and key together.
std::string ban_id(Ban::Kind kind, const std::string& key);

}  // namespace chat::server
