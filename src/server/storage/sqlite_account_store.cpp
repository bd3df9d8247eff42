#include "sqlite_account_store.h"

#include "../log.h"
#include "../unix_time.h"
#include "../validation.h"

namespace chat::server {

SqliteAccountStore::SqliteAccountStore(const std::string& path) : db_(path, "accounts") {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS accounts (name_key TEXT PRIMARY KEY, nickname TEXT NOT NULL,"
      " password_hash TEXT NOT NULL, is_operator INTEGER NOT NULL DEFAULT 0,"
      " created_ms INTEGER NOT NULL) WITHOUT ROWID");
  db_.exec(
      "CREATE TABLE IF NOT EXISTS bans (id TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
      " key TEXT NOT NULL, label TEXT NOT NULL, until_ms INTEGER NOT NULL, by TEXT NOT NULL,"
      " reason TEXT NOT NULL) WITHOUT ROWID");
  // Added in issue 17: a database from before it gains the table here, as every table of this
  // file is added (CREATE TABLE IF NOT EXISTS), and starts with no mutes.
  db_.exec(
      "CREATE TABLE IF NOT EXISTS mutes (name_key TEXT PRIMARY KEY, nickname TEXT NOT NULL,"
      " until_ms INTEGER NOT NULL, by TEXT NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID");
  db_.exec(
      "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
      " actor TEXT NOT NULL, command TEXT NOT NULL, outcome TEXT NOT NULL)");
  std::size_t accounts = 0;
  // By the key each row was stored under, which every write finds it by again.
  Statement account(db_, "SELECT name_key, nickname, password_hash, is_operator FROM accounts");
  while (account.step()) {
    cache_.load(account.text(0), Account{account.text(1), account.text(2), account.u64(3) != 0});
    ++accounts;
  }
  std::size_t bans = 0;
  Statement ban(db_, "SELECT kind, key, label, until_ms, by, reason FROM bans");
  while (ban.step()) {
    cache_.ban(Ban{ban.u64(0) == 0 ? Ban::Kind::nickname : Ban::Kind::address, ban.text(1),
                   ban.text(2), ban.u64(3), ban.text(4), ban.text(5)});
    ++bans;
  }
  log::info("accounts: {} registered, {} bans, in {}", accounts, bans, path);
}

std::optional<Account> SqliteAccountStore::find(std::string_view nickname) const {
  return cache_.find(nickname);
}

bool SqliteAccountStore::is_registered(std::string_view nickname) const {
  return cache_.is_registered(nickname);
}

bool SqliteAccountStore::is_operator(std::string_view nickname) const {
  return cache_.is_operator(nickname);
}

void SqliteAccountStore::give_operator_for_this_run(std::string_view nickname) {
  cache_.give_operator_for_this_run(nickname);  // never stored
}

bool SqliteAccountStore::give_operator_for_this_run_if_registered(std::string_view nickname) {
  return cache_.give_operator_for_this_run_if_registered(nickname);  // never stored
}

void SqliteAccountStore::take_operator_for_this_run(std::string_view nickname) {
  cache_.take_operator_for_this_run(nickname);  // never stored
}

std::vector<std::string> SqliteAccountStore::operators() const {
  return cache_.operators();
}

bool SqliteAccountStore::has_password_hash(std::string_view nickname,
                                           const std::string& password_hash) const {
  return cache_.has_password_hash(nickname, password_hash);
}

std::optional<Ban> SqliteAccountStore::banned(Ban::Kind kind, const std::string& key,
                                              std::uint64_t now_ms) {
  // An expired ban leaves the cache; its stale row is harmless and replaced by the next ban.
  return cache_.banned(kind, key, now_ms);
}

std::vector<Ban> SqliteAccountStore::bans(std::uint64_t now_ms) {
  return cache_.bans(now_ms);
}

bool SqliteAccountStore::add(const std::string& nickname, std::string password_hash) {
  std::lock_guard writing(write_mutex_);
  if (cache_.is_registered(nickname)) {
    return false;
  }
  persist_account(Account{nickname, password_hash, false});  // first: a failure changes nothing
  return cache_.add(nickname, std::move(password_hash));  // true: only writers add, one at a time
}

bool SqliteAccountStore::set_operator(std::string_view nickname, bool is_operator) {
  std::lock_guard writing(write_mutex_);
  std::optional<Account> changed = cache_.find(nickname);
  if (!changed) {
    return false;
  }
  changed->is_operator = is_operator;
  persist_account(*changed);  // first: a failure (it throws) changes nothing
  return cache_.set_operator(nickname, is_operator);
}

bool SqliteAccountStore::set_password(std::string_view nickname, std::string password_hash,
                                      const std::string* only_if_hash) {
  std::lock_guard writing(write_mutex_);
  std::optional<Account> changed = cache_.find(nickname);
  if (!changed || (only_if_hash != nullptr && changed->password_hash != *only_if_hash)) {
    return false;
  }
  changed->password_hash = password_hash;
  persist_account(*changed);  // first: a failure (it throws) changes nothing
  return cache_.set_password(nickname, std::move(password_hash));  // checked above, still holds
}

bool SqliteAccountStore::remove(std::string_view nickname, const std::string* only_if_hash) {
  std::lock_guard writing(write_mutex_);
  const std::optional<Account> account = cache_.find(nickname);
  if (!account || (only_if_hash != nullptr && account->password_hash != *only_if_hash)) {
    return false;
  }
  const std::string key = fold_name(nickname);  // bound text must outlive the step
  Statement remove(db_, "DELETE FROM accounts WHERE name_key = ?");
  remove.bind(1, key);
  remove.run();  // first: a failure (it throws) changes nothing
  return cache_.remove(nickname);
}

void SqliteAccountStore::persist_account(const Account& account) {
  Statement upsert(db_,
                   "INSERT OR REPLACE INTO accounts (name_key, nickname, password_hash,"
                   " is_operator, created_ms) VALUES (?, ?, ?, ?, COALESCE((SELECT created_ms"
                   " FROM accounts WHERE name_key = ?1), ?5))");
  const std::string key = fold_name(account.nickname);
  upsert.bind(1, key);
  upsert.bind(2, account.nickname);
  upsert.bind(3, account.password_hash);
  upsert.bind(4, std::uint64_t{account.is_operator ? 1u : 0u});
  upsert.bind(5, unix_time_ms());
  upsert.run();
}

void SqliteAccountStore::store_mute(const Mute& mute) {
  std::lock_guard writing(write_mutex_);
  Statement upsert(db_,
                   "INSERT OR REPLACE INTO mutes (name_key, nickname, until_ms, by, reason)"
                   " VALUES (?, ?, ?, ?, ?)");
  const std::string key = fold_name(mute.nickname);  // bound text must outlive the step
  upsert.bind(1, key);
  upsert.bind(2, mute.nickname);
  upsert.bind(3, mute.until_ms);
  upsert.bind(4, mute.by);
  upsert.bind(5, mute.reason);
  upsert.run();
}

void SqliteAccountStore::delete_mute(std::string_view nickname) {
  std::lock_guard writing(write_mutex_);
  const std::string key = fold_name(nickname);  // bound text must outlive the step
  Statement remove(db_, "DELETE FROM mutes WHERE name_key = ?");
  remove.bind(1, key);
  remove.run();
}

std::vector<Mute> SqliteAccountStore::stored_mutes(std::uint64_t now_ms) {
  std::vector<Mute> out;
  std::lock_guard writing(write_mutex_);
  Statement expired(db_, "DELETE FROM mutes WHERE until_ms != 0 AND until_ms <= ?");
  expired.bind(1, now_ms);
  expired.run();
  Statement q(db_, "SELECT nickname, until_ms, by, reason FROM mutes");
  while (q.step()) {
    out.push_back(Mute{q.text(0), q.u64(1), q.text(2), q.text(3)});
  }
  return out;
}

void SqliteAccountStore::ban(Ban ban) {
  const std::string id = ban_id(ban.kind, ban.key);
  std::lock_guard writing(write_mutex_);
  Statement upsert(db_,
                   "INSERT OR REPLACE INTO bans (id, kind, key, label, until_ms, by, reason)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)");
  upsert.bind(1, id);
  upsert.bind(2, std::uint64_t{ban.kind == Ban::Kind::nickname ? 0u : 1u});
  upsert.bind(3, ban.key);
  upsert.bind(4, ban.label);
  upsert.bind(5, ban.until_ms);
  upsert.bind(6, ban.by);
  upsert.bind(7, ban.reason);
  upsert.run();
  cache_.ban(std::move(ban));
}

bool SqliteAccountStore::unban(Ban::Kind kind, const std::string& key) {
  const std::string id = ban_id(kind, key);
  std::lock_guard writing(write_mutex_);
  Statement remove(db_, "DELETE FROM bans WHERE id = ?");
  remove.bind(1, id);
  remove.run();
  return cache_.unban(kind, key);
}

void SqliteAccountStore::record_audit(const AuditEntry& entry) {
  std::lock_guard writing(write_mutex_);
  Statement insert(db_, "INSERT INTO audit (time_ms, actor, command, outcome) VALUES (?, ?, ?, ?)");
  insert.bind(1, entry.time_ms);
  insert.bind(2, entry.actor);
  insert.bind(3, entry.command);
  insert.bind(4, entry.outcome);
  insert.run();
}

std::vector<std::string> SqliteAccountStore::recent_audit(std::size_t count) const {
  std::lock_guard writing(write_mutex_);  // the database only
  Statement q(db_,
              "SELECT time_ms, actor, command, outcome FROM (SELECT * FROM audit ORDER BY id DESC"
              " LIMIT ?) ORDER BY id");
  q.bind(1, static_cast<std::uint64_t>(count));
  std::vector<std::string> lines;
  while (q.step()) {
    lines.push_back(format_audit(AuditEntry{q.u64(0), q.text(1), q.text(2), q.text(3)}));
  }
  return lines;
}

}  // namespace chat::server
