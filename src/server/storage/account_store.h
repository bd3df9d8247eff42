// Internal header (server). Who may do what: registered accounts and their operator role, bans,
// mutes, and the audit log of operator actions. The interface the chat logic holds; the backends
// (MemoryAccountStore, SqliteAccountStore; a Redis one later) implement it, and
// tests/server/storage_contract_test.cpp checks the promises below of each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::server {

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

// One operator action, as recorded: its command and outcome escaped and bounded already.
struct AuditEntry {
  std::uint64_t time_ms = 0;  // Unix ms
  std::string actor;
  std::string command;
  std::string outcome;
};

// "<what> by alice until 2026-12-02 15:04:05 UTC: spamming" (no "until" for 0, no reason when
// empty): what a ban or a mute says to whom it hits and to operators.
std::string describe_restriction(std::string_view what, const std::string& by,
                                 std::uint64_t until_ms, const std::string& reason);
// describe_restriction("banned", ...) of `ban`.
std::string describe_ban(const Ban& ban);
// "2026-12-02 15:04:05 UTC" for a Unix time in ms; "until lifted" words for 0 are the caller's.
std::string format_utc(std::uint64_t unix_ms);
// "<time> <actor> '<command>': <outcome>": an audit entry as the console's `audit` lists it.
std::string format_audit(const AuditEntry& entry);

// Thread-safe, every call. Nicknames are matched by fold_name(). The lookups (find,
// is_registered, is_operator, has_password_hash, banned) run on the I/O workers (bans on accept,
// registrations on join, roles), so an implementation answers them without waiting for a
// write's round trip to its storage. The writes throw std::runtime_error, changing nothing, when
// the storage refuses them (but audit(), which logs that and goes on).
class AccountStore {
 public:
  virtual ~AccountStore() = default;

  virtual std::optional<Account> find(std::string_view nickname) const = 0;
  virtual bool is_registered(std::string_view nickname) const = 0;
  // A stored operator role, or one given by give_operator_for_this_run().
  virtual bool is_operator(std::string_view nickname) const = 0;
  // Registers `nickname` (as spelled), no operator; false if it is registered already.
  virtual bool add(const std::string& nickname, std::string password_hash) = 0;
  // Gives or takes the operator role; false if `nickname` is not registered. Taking it also
  // takes a role given by give_operator_for_this_run().
  virtual bool set_operator(std::string_view nickname, bool is_operator) = 0;
  // The role of an --operator name: held while the server runs, never stored (so a name dropped
  // from the command line is no operator at the next start). Any `nickname`; it counts once it
  // is registered, until its account is removed.
  virtual void give_operator_for_this_run(std::string_view nickname) = 0;
  // The same for a name that must be registered now (a reload adding an --operator name): in
  // one step with the check, so an account deleted meanwhile leaves no role behind for whoever
  // registers the name next. False (and no role) if `nickname` is not registered.
  virtual bool give_operator_for_this_run_if_registered(std::string_view nickname) = 0;
  // Takes a role given by give_operator_for_this_run() (a reload dropped the --operator name);
  // a role stored by set_operator() stays.
  virtual void take_operator_for_this_run(std::string_view nickname) = 0;
  // The registered nicknames with the operator role (either kind), in no particular order.
  virtual std::vector<std::string> operators() const = 0;
  // Replaces the password of `nickname`; false if it is not registered, or if `only_if_hash` is
  // given and the stored hash is no longer that one. (Each hash has its own salt, so the hash is
  // the password's version: a check that verified one hash commits only while it still holds,
  // not after a console reset or a deletion that came in between.) The check and the change are
  // one step.
  virtual bool set_password(std::string_view nickname, std::string password_hash,
                            const std::string* only_if_hash = nullptr) = 0;
  // Deletes the account `nickname` (its password and operator role of either kind); false if
  // there was none, or its hash is no longer `only_if_hash` (checked as set_password does). Its
  // bans and mutes, which are of the nickname, stay.
  virtual bool remove(std::string_view nickname, const std::string* only_if_hash = nullptr) = 0;
  // True while `nickname` is registered with exactly this password hash.
  virtual bool has_password_hash(std::string_view nickname,
                                 const std::string& password_hash) const = 0;

  // Mutes, stored for MuteList (which keeps them in memory and asks nothing here per message).
  // A mute of the same nickname replaces the earlier one.
  virtual void store_mute(const Mute& mute) = 0;
  virtual void delete_mute(std::string_view nickname) = 0;
  // The stored mutes in force at `now_ms`, in no particular order; expired ones are deleted on
  // the way.
  virtual std::vector<Mute> stored_mutes(std::uint64_t now_ms) = 0;

  // Bans. A ban of the same kind and key replaces the earlier one.
  virtual void ban(Ban ban) = 0;
  // Lifts a ban; false if there was none.
  virtual bool unban(Ban::Kind kind, const std::string& key) = 0;
  // The ban in force on `key` at `now_ms`, if any (expired ones are dropped on the way).
  virtual std::optional<Ban> banned(Ban::Kind kind, const std::string& key,
                                    std::uint64_t now_ms) = 0;
  // The bans in force at `now_ms`, in no particular order.
  virtual std::vector<Ban> bans(std::uint64_t now_ms) = 0;

  // Records an operator action: who, the command as typed, what came of it. The command and the
  // outcome are escaped and bounded first (the audit log is read on a terminal, one entry a
  // line), logged, then recorded (record_audit). A failure to record is logged, not thrown.
  void audit(const std::string& actor, const std::string& command, const std::string& outcome);
  // The newest `count` recorded entries, oldest first, as format_audit() lines. A backend may
  // keep only the newest entries (the memory one keeps 1000).
  virtual std::vector<std::string> recent_audit(std::size_t count) const = 0;

 protected:
  // Stores one entry made by audit(); throws std::runtime_error when it cannot.
  virtual void record_audit(const AuditEntry& entry) = 0;
};

}  // namespace chat::server
