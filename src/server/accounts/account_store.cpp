#include "account_store.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "../log.h"
#include "../storage/sqlite_db.h"
#include "../unix_time.h"
#include "../validation.h"
#include "net/wire/text_escape.h"

namespace chat::server {
namespace {

constexpr std::size_t kAuditInMemory = 1000;
// An audit entry's command and outcome are cut to this many bytes (escaped).
constexpr std::size_t kMaxAuditFieldBytes = 512;

}  // namespace

std::string format_utc(std::uint64_t unix_ms) {
  const std::chrono::system_clock::time_point t{std::chrono::milliseconds(unix_ms)};
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", std::chrono::floor<std::chrono::seconds>(t));
}

std::string describe_restriction(std::string_view what, const std::string& by,
                                 std::uint64_t until_ms, const std::string& reason) {
  std::string text = std::string(what) + " by " + by;
  if (until_ms != 0) {
    text += " until " + format_utc(until_ms);
  }
  if (!reason.empty()) {
    text += ": " + reason;
  }
  return text;
}

std::string describe_ban(const Ban& ban) {
  return describe_restriction("banned", ban.by, ban.until_ms, ban.reason);
}

AccountStore::AccountStore(const std::string& db_path) {
  if (db_path.empty()) {
    return;
  }
  db_ = std::make_unique<SqliteDb>(db_path, "accounts");
  db_->exec(
      "CREATE TABLE IF NOT EXISTS accounts (name_key TEXT PRIMARY KEY, nickname TEXT NOT NULL,"
      " password_hash TEXT NOT NULL, is_operator INTEGER NOT NULL DEFAULT 0,"
      " created_ms INTEGER NOT NULL) WITHOUT ROWID");
  db_->exec(
      "CREATE TABLE IF NOT EXISTS bans (id TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
      " key TEXT NOT NULL, label TEXT NOT NULL, until_ms INTEGER NOT NULL, by TEXT NOT NULL,"
      " reason TEXT NOT NULL) WITHOUT ROWID");
  // Added in issue 17: a database from before it gains the table here, as every table of this
  // file is added (CREATE TABLE IF NOT EXISTS), and starts with no mutes.
  db_->exec(
      "CREATE TABLE IF NOT EXISTS mutes (name_key TEXT PRIMARY KEY, nickname TEXT NOT NULL,"
      " until_ms INTEGER NOT NULL, by TEXT NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID");
  db_->exec(
      "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
      " actor TEXT NOT NULL, command TEXT NOT NULL, outcome TEXT NOT NULL)");
  Statement accounts(*db_, "SELECT name_key, nickname, password_hash, is_operator FROM accounts");
  while (accounts.step()) {
    accounts_[accounts.text(0)] = Account{accounts.text(1), accounts.text(2), accounts.u64(3) != 0};
  }
  Statement bans(*db_, "SELECT id, kind, key, label, until_ms, by, reason FROM bans");
  while (bans.step()) {
    bans_[bans.text(0)] = Ban{bans.u64(1) == 0 ? Ban::Kind::nickname : Ban::Kind::address,
                              bans.text(2),
                              bans.text(3),
                              bans.u64(4),
                              bans.text(5),
                              bans.text(6)};
  }
  log::info("accounts: {} registered, {} bans, in {}", accounts_.size(), bans_.size(), db_path);
}

AccountStore::~AccountStore() = default;

std::optional<Account> AccountStore::find(std::string_view nickname) const {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  if (it == accounts_.end()) {
    return std::nullopt;
  }
  return it->second;
}

bool AccountStore::is_registered(std::string_view nickname) const {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  return accounts_.count(key) != 0;
}

bool AccountStore::is_operator(std::string_view nickname) const {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  return it != accounts_.end() && (it->second.is_operator || run_operators_.count(key) != 0);
}

void AccountStore::give_operator_for_this_run(std::string_view nickname) {
  std::lock_guard lock(mutex_);
  run_operators_.insert(fold_name(nickname));
}

void AccountStore::take_operator_for_this_run(std::string_view nickname) {
  std::lock_guard lock(mutex_);
  run_operators_.erase(fold_name(nickname));
}

bool AccountStore::set_password(std::string_view nickname, std::string password_hash,
                                const std::string* only_if_hash) {
  const std::string key = fold_name(nickname);
  std::lock_guard writing(write_mutex_);
  Account changed;
  {
    std::lock_guard lock(mutex_);
    const auto it = accounts_.find(key);
    if (it == accounts_.end() ||
        (only_if_hash != nullptr && it->second.password_hash != *only_if_hash)) {
      return false;
    }
    changed = it->second;
  }
  changed.password_hash = std::move(password_hash);
  persist_account(changed);  // first: a failure (it throws) changes nothing
  std::lock_guard lock(mutex_);
  accounts_[key] = std::move(changed);  // still there: only writers change it, one at a time
  return true;
}

bool AccountStore::has_password_hash(std::string_view nickname,
                                     const std::string& password_hash) const {
  const std::string key = fold_name(nickname);
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  return it != accounts_.end() && it->second.password_hash == password_hash;
}

bool AccountStore::remove(std::string_view nickname, const std::string* only_if_hash) {
  const std::string key = fold_name(nickname);
  std::lock_guard writing(write_mutex_);
  {
    std::lock_guard lock(mutex_);
    const auto it = accounts_.find(key);
    if (it == accounts_.end() ||
        (only_if_hash != nullptr && it->second.password_hash != *only_if_hash)) {
      return false;
    }
  }
  if (db_) {
    Statement remove(*db_, "DELETE FROM accounts WHERE name_key = ?");
    remove.bind(1, key);
    remove.run();  // first: a failure (it throws) changes nothing
  }
  std::lock_guard lock(mutex_);
  accounts_.erase(key);
  run_operators_.erase(key);  // a new owner of the name is nobody's operator
  return true;
}

void AccountStore::store_mute(const Mute& mute) {
  std::lock_guard writing(write_mutex_);  // the database only
  if (!db_) {
    return;
  }
  Statement upsert(*db_,
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

void AccountStore::delete_mute(std::string_view nickname) {
  std::lock_guard writing(write_mutex_);  // the database only
  if (!db_) {
    return;
  }
  const std::string key = fold_name(nickname);  // bound text must outlive the step
  Statement remove(*db_, "DELETE FROM mutes WHERE name_key = ?");
  remove.bind(1, key);
  remove.run();
}

std::vector<Mute> AccountStore::stored_mutes(std::uint64_t now_ms) {
  std::vector<Mute> out;
  std::lock_guard writing(write_mutex_);  // the database only
  if (!db_) {
    return out;
  }
  Statement expired(*db_, "DELETE FROM mutes WHERE until_ms != 0 AND until_ms <= ?");
  expired.bind(1, now_ms);
  expired.run();
  Statement q(*db_, "SELECT nickname, until_ms, by, reason FROM mutes");
  while (q.step()) {
    out.push_back(Mute{q.text(0), q.u64(1), q.text(2), q.text(3)});
  }
  return out;
}

bool AccountStore::add(const std::string& nickname, std::string password_hash) {
  const std::string key = fold_name(nickname);
  std::lock_guard writing(write_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (accounts_.count(key) != 0) {
      return false;
    }
  }
  Account account{nickname, std::move(password_hash), false};
  persist_account(account);  // first: a failure (it throws) leaves no account half made
  std::lock_guard lock(mutex_);
  accounts_.emplace(key, std::move(account));
  return true;
}

bool AccountStore::set_operator(std::string_view nickname, bool is_operator) {
  const std::string key = fold_name(nickname);
  std::lock_guard writing(write_mutex_);
  Account changed;
  {
    std::lock_guard lock(mutex_);
    const auto it = accounts_.find(key);
    if (it == accounts_.end()) {
      return false;
    }
    changed = it->second;
  }
  changed.is_operator = is_operator;
  persist_account(changed);  // first: a failure (it throws) changes nothing
  std::lock_guard lock(mutex_);
  accounts_[key] = std::move(changed);
  if (!is_operator) {
    run_operators_.erase(key);
  }
  return true;
}

void AccountStore::persist_account(const Account& account) {
  if (!db_) {
    return;
  }
  Statement upsert(*db_,
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

std::vector<std::string> AccountStore::operators() const {
  std::vector<std::string> names;
  std::lock_guard lock(mutex_);
  for (const auto& [key, account] : accounts_) {
    if (account.is_operator || run_operators_.count(key) != 0) {
      names.push_back(account.nickname);
    }
  }
  return names;
}

std::string AccountStore::ban_id(Ban::Kind kind, const std::string& key) {
  return (kind == Ban::Kind::nickname ? "n:" : "a:") + key;
}

void AccountStore::ban(Ban ban) {
  const std::string id = ban_id(ban.kind, ban.key);
  std::lock_guard writing(write_mutex_);
  if (db_) {
    Statement upsert(*db_,
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
  }
  std::lock_guard lock(mutex_);
  bans_[id] = std::move(ban);
}

bool AccountStore::unban(Ban::Kind kind, const std::string& key) {
  const std::string id = ban_id(kind, key);
  std::lock_guard writing(write_mutex_);
  if (db_) {
    Statement remove(*db_, "DELETE FROM bans WHERE id = ?");
    remove.bind(1, id);
    remove.run();
  }
  std::lock_guard lock(mutex_);
  return bans_.erase(id) != 0;
}

std::optional<Ban> AccountStore::banned(Ban::Kind kind, const std::string& key,
                                        std::uint64_t now_ms) {
  const std::string id = ban_id(kind, key);
  std::lock_guard lock(mutex_);
  const auto it = bans_.find(id);
  if (it == bans_.end()) {
    return std::nullopt;
  }
  if (it->second.until_ms != 0 && it->second.until_ms <= now_ms) {
    bans_.erase(it);  // expired; the stale row is harmless and replaced by the next ban
    return std::nullopt;
  }
  return it->second;
}

std::vector<Ban> AccountStore::bans(std::uint64_t now_ms) {
  std::vector<Ban> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, ban] : bans_) {
    if (ban.until_ms == 0 || ban.until_ms > now_ms) {
      out.push_back(ban);
    }
  }
  return out;
}

void AccountStore::audit(const std::string& actor, const std::string& raw_command,
                         const std::string& raw_outcome) {
  // What an operator typed, and outcomes that quote it, are stored escaped and bounded: the
  // audit log is read on a terminal (the console's `audit`), one entry per line.
  const wire::EscapeOptions bounded{kMaxAuditFieldBytes, false, false};
  const std::string command = wire::escape_text(raw_command, bounded);
  const std::string outcome = wire::escape_text(raw_outcome, bounded);
  const std::uint64_t now = unix_time_ms();
  log::info("audit: {} ran '{}': {}", actor, command, outcome);
  if (db_) {
    std::lock_guard writing(write_mutex_);
    try {
      Statement insert(*db_,
                       "INSERT INTO audit (time_ms, actor, command, outcome) VALUES (?, ?, ?, ?)");
      insert.bind(1, now);
      insert.bind(2, actor);
      insert.bind(3, command);
      insert.bind(4, outcome);
      insert.run();
    } catch (const std::exception& e) {
      log::error("audit entry not stored: {}", e.what());
    }
    return;
  }
  std::lock_guard lock(mutex_);
  audit_memory_.push_back(fmt::format("{} {} '{}': {}", format_utc(now), actor, command, outcome));
  if (audit_memory_.size() > kAuditInMemory) {
    audit_memory_.pop_front();
  }
}

std::vector<std::string> AccountStore::recent_audit(std::size_t count) const {
  if (!db_) {
    std::lock_guard lock(mutex_);
    const std::size_t from = audit_memory_.size() > count ? audit_memory_.size() - count : 0;
    return {audit_memory_.begin() + static_cast<std::ptrdiff_t>(from), audit_memory_.end()};
  }
  std::lock_guard writing(write_mutex_);  // the database only
  Statement q(*db_,
              "SELECT time_ms, actor, command, outcome FROM (SELECT * FROM audit ORDER BY id DESC"
              " LIMIT ?) ORDER BY id");
  q.bind(1, static_cast<std::uint64_t>(count));
  std::vector<std::string> lines;
  while (q.step()) {
    lines.push_back(
        fmt::format("{} {} '{}': {}", format_utc(q.u64(0)), q.text(1), q.text(2), q.text(3)));
  }
  return lines;
}

}  // namespace chat::server
