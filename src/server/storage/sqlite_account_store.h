// Internal header (server). Accounts, bans, mutes and the audit log in SQLite (the --db file,
// next to the history), so they survive restarts. All of the accounts' SQL is here.
#pragma once

#include <mutex>
#include <string>

#include "account_store.h"
#include "memory_account_store.h"
#include "sqlite_db.h"

namespace chat::server {

// Thread-safe. Accounts and bans are loaded at start into a MemoryAccountStore, which answers the
// lookups under its own lock, never held across the database; every write goes to the database
// first and then to that cache, one writer at a time under a writer lock of its own (a commit
// may wait behind the history writer), so a check and the update it allows are one step for
// writers. Mutes (MuteList keeps its own copy) and the audit log are read from the database.
class SqliteAccountStore final : public AccountStore {
 public:
  // Opens (creating) its tables in the SQLite database at `path` and loads them; throws
  // std::runtime_error when it cannot.
  explicit SqliteAccountStore(const std::string& path);

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

 protected:
  void record_audit(const AuditEntry& entry) override;

 private:
  void persist_account(const Account& account);

  // One writer at a time, held across the database (and every SQLite call). Taken before the
  // cache's lock.
  mutable std::mutex write_mutex_;
  SqliteDb db_;
  MemoryAccountStore cache_;  // accounts, bans and this run's operators, as stored
};

}  // namespace chat::server
