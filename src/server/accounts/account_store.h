// Internal header (server). Who may do what: registered accounts and their operator role, bans,
// mutes, and the audit log of operator actions. Kept in memory for lookups on the I/O threads and
// written through to SQLite (the --db file, next to the history) so they survive restarts.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace chat::server {

class SqliteDb;

struct Account {
  std::string nickname;  // as registered
  std::string password_hash;
  bool is_operator = false;
};

struct Ban {
  enum class Kind { nickname, address };
  Kind kind = Kind::nickname;
  std::string key;             // fold_name(nickname), or address_key(host)
  std::string label;           // what the operator typed: the nickname or the address
  std::uint64_t until_ms = 0;  // Unix ms; 0: until lifted
  std::string by;
  std::string reason;
};

// An operator's mute of a nickname (registered or not): no Broadcast or Whisper until it ends.
struct Mute {
  std::string nickname;        // as the operator typed it
  std::uint64_t until_ms = 0;  // Unix ms; 0: until lifted
  std::string by;
  std::string reason;
};

// "<what> by alice until 2026-12-02 15:04:05 UTC: spamming" (no "until" for 0, no reason when
// empty): what a ban or a mute says to whom it hits and to operators.
std::string describe_restriction(std::string_view what, const std::string& by,
                                 std::uint64_t until_ms, const std::string& reason);
// describe_restriction("banned", ...) of `ban`.
std::string describe_ban(const Ban& ban);
// "2026-12-02 15:04:05 UTC" for a Unix time in ms; "until lifted" words for 0 are the caller's.
std::string format_utc(std::uint64_t unix_ms);

// Thread-safe. Lookups (the I/O workers': bans on accept, registration on join, roles) take only
// the maps' lock, which no one holds across the database; writes, rare and slow (a commit may
// wait behind the history writer), go one at a time under a writer lock of their own.
class AccountStore {
 public:
  // `db_path` empty: in memory only (lost at exit). Otherwise opens (creating) its tables in that
  // SQLite database and loads them; throws std::runtime_error when it cannot.
  explicit AccountStore(const std::string& db_path);
  ~AccountStore();
  AccountStore(const AccountStore&) = delete;
  AccountStore& operator=(const AccountStore&) = delete;

  std::optional<Account> find(std::string_view nickname) const;
  bool is_registered(std::string_view nickname) const;
  bool is_operator(std::string_view nickname) const;
  // The writes below go to the database first and throw std::runtime_error when it fails,
  // changing nothing.
  // Registers `nickname`; false if it is registered already.
  bool add(const std::string& nickname, std::string password_hash);
  // Gives or takes the operator role; false if `nickname` is not registered. Taking it also
  // takes a role given by give_operator_for_this_run().
  bool set_operator(std::string_view nickname, bool is_operator);
  // The role of an --operator name: held while the server runs, never stored (so a name dropped
  // from the command line is no operator at the next start). Any registered `nickname`.
  void give_operator_for_this_run(std::string_view nickname);
  // Takes a role given by give_operator_for_this_run() (a reload dropped the --operator name);
  // a role stored by set_operator() stays.
  void take_operator_for_this_run(std::string_view nickname);
  std::vector<std::string> operators() const;
  // Replaces the password of `nickname`; false if it is not registered, or if `only_if_hash` is
  // given and the stored hash is no longer that one. (Each hash has its own salt, so the hash is
  // the password's version: a check that verified one hash commits only while it still holds,
  // not after a console reset or a deletion that came in between.)
  bool set_password(std::string_view nickname, std::string password_hash,
                    const std::string* only_if_hash = nullptr);
  // Deletes the account `nickname` (its password and operator role); false if there was none,
  // or its hash is no longer `only_if_hash`. Its bans and mutes, which are of the nickname, stay.
  bool remove(std::string_view nickname, const std::string* only_if_hash = nullptr);
  // True while `nickname` is registered with exactly this password hash.
  bool has_password_hash(std::string_view nickname, const std::string& password_hash) const;

  // Mutes, stored for MuteList (which keeps them in memory and asks nothing here per message).
  // A mute of the same nickname replaces the earlier one.
  void store_mute(const Mute& mute);
  void delete_mute(std::string_view nickname);
  // The stored mutes in force at `now_ms`; expired ones are deleted on the way.
  std::vector<Mute> stored_mutes(std::uint64_t now_ms);

  // Bans. A ban of the same kind and key replaces the earlier one.
  void ban(Ban ban);
  // Lifts a ban; false if there was none.
  bool unban(Ban::Kind kind, const std::string& key);
  // The ban in force on `key` at `now_ms`, if any (expired ones are dropped on the way).
  std::optional<Ban> banned(Ban::Kind kind, const std::string& key, std::uint64_t now_ms);
  std::vector<Ban> bans(std::uint64_t now_ms);

  // Records an operator action: who, the command as typed, what came of it.
  void audit(const std::string& actor, const std::string& command, const std::string& outcome);
  // The newest `count` audit entries, oldest first, as lines.
  std::vector<std::string> recent_audit(std::size_t count) const;

 private:
  static std::string ban_id(Ban::Kind kind, const std::string& key);
  void persist_account(const Account& account);

  // One writer at a time, held across the database (and every SQLite call): a check and the
  // update it allows are one step for writers. Taken before mutex_.
  mutable std::mutex write_mutex_;
  mutable std::mutex mutex_;                           // the maps; never held across the database
  std::unique_ptr<SqliteDb> db_;                       // null: in memory only
  std::unordered_map<std::string, Account> accounts_;  // by fold_name(nickname)
  std::unordered_map<std::string, Ban> bans_;          // by ban_id()
  std::unordered_set<std::string> run_operators_;      // give_operator_for_this_run(), folded
  std::deque<std::string> audit_memory_;               // without a database: the newest entries
};

}  // namespace chat::server
