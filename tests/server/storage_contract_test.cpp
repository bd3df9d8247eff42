// The storage seam's promises (src/server/storage/message_backend.h, account_store.h), checked of
// every backend by one typed suite: SQLite on a file and memory. A new backend (Redis) joins by
// adding its Backend type to StorageBackends below. Then what only a persistent backend promises
// (what it stored is there after reopening), and open_storage's choice of backends by --db.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "storage/memory_account_store.h"
#include "storage/memory_message_backend.h"
#include "storage/message_log.h"
#include "storage/open_storage.h"
#include "storage/sqlite_account_store.h"
#include "storage/sqlite_db.h"
#include "storage/sqlite_message_backend.h"
#include "support/temp_database.h"
#include "unix_time.h"

namespace chat::testing {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using server::AccountStore;
using server::Ban;
using server::MessageLog;
using server::Mute;
using server::Retention;
using server::Stored;
using server::StoredMessage;
using server::StoredMessagePtr;

constexpr Retention kKeepAll{0, std::chrono::hours(0)};

// A message of `room` sent now (a message from 1970 would fall to an age limit at once).
std::shared_ptr<StoredMessage> message(const std::string& room, std::uint64_t seq) {
  auto m = std::make_shared<StoredMessage>();
  m->room_key = room;
  m->room = room;
  m->from = "alice";
  m->text = "m" + std::to_string(seq);
  m->seq = seq;
  m->server_time_ms = server::unix_time_ms() + seq;
  m->server_msg_id = 100 + seq;
  return m;
}

std::vector<std::uint64_t> seqs(const std::vector<StoredMessagePtr>& messages) {
  std::vector<std::uint64_t> out;
  for (const auto& m : messages) {
    out.push_back(m->seq);
  }
  return out;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t s = first; s <= last; ++s) {
    out.push_back(s);
  }
  return out;
}

// The backends under test: each makes a message backend and an account store of its kind.
struct SqliteBackend {
  TempDatabase db;
  std::unique_ptr<server::MessageBackend> messages(Retention retention) {
    return std::make_unique<server::SqliteMessageBackend>(db.path(), retention);
  }
  std::unique_ptr<AccountStore> accounts() {
    return std::make_unique<server::SqliteAccountStore>(db.path());
  }
};

struct MemoryBackend {
  std::unique_ptr<server::MessageBackend> messages(Retention retention) {
    return std::make_unique<server::MemoryMessageBackend>(retention);
  }
  std::unique_ptr<AccountStore> accounts() {
    return std::make_unique<server::MemoryAccountStore>();
  }
};

using StorageBackends = ::testing::Types<SqliteBackend, MemoryBackend>;

class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteBackend> ? "Sqlite" : "Memory";
  }
};

// ---- Room messages: MessageLog's writer over each backend ----

template <typename Backend>
class MessageLogContract : public ::testing::Test {
 protected:
  std::unique_ptr<MessageLog> open(Retention retention = kKeepAll,
                                   MessageLog::OnStored on_stored = {}) {
    return std::make_unique<MessageLog>(backend_.messages(retention), std::move(on_stored));
  }
  // Polls for the writer's once-a-second prune to have left `room` starting at `first` (a
  // state, not a race); bounded at ten seconds.
  static void wait_for_first_seq(MessageLog& log, const std::string& room, std::uint64_t first) {
    for (int i = 0; i < 1000 && log.first_seq(room) != first; ++i) {
      std::this_thread::sleep_for(10ms);
    }
  }
  Backend backend_;
};
TYPED_TEST_SUITE(MessageLogContract, StorageBackends, BackendNames);

TYPED_TEST(MessageLogContract, StoresInOrderTellsInOrderAndReadsBack) {
  std::mutex mutex;
  std::vector<std::uint64_t> told;  // the Acks handed back, by client_msg_id
  bool all_committed = true;
  auto log = this->open(kKeepAll, [&](const std::vector<Stored>& batch, bool committed) {
    std::lock_guard lock(mutex);
    all_committed = all_committed && committed;
    for (const Stored& s : batch) {
      EXPECT_TRUE(s.msg->settled.load()) << "told before it was settled";
      if (s.ack.sender.valid()) {
        told.push_back(s.ack.client_msg_id);
      }
    }
  });
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    log->append(message("dev", seq), server::AckTo{net::ConnId{0, 1}, seq, seq});
  }
  log->append(message("other", 1));
  log->wait_stored("dev");
  {
    std::lock_guard lock(mutex);  // wait_stored returned: on_stored has run for all of "dev"
    EXPECT_EQ(told, range(1, 5));
    EXPECT_TRUE(all_committed);
  }
  EXPECT_EQ(seqs(log->read_last("dev", 3)), range(3, 5));
  EXPECT_EQ(seqs(log->read_after("dev", 1, 2)), range(2, 3));
  EXPECT_EQ(log->last_seq("dev"), 5u);
  EXPECT_EQ(log->first_seq("dev"), 1u);
  log->wait_stored("other");
  EXPECT_EQ(log->last_msg_id(), 105u);
}

TYPED_TEST(MessageLogContract, ReadsGiveBackEveryFieldAsAppended) {
  auto log = this->open();
  auto m = message("dev", 1);
  m->room = "Dev";
  m->from = "Bob";
  m->text = "hello \xE2\x9C\x93 with a\0nul"s;  // UTF-8 and an embedded NUL, byte for byte
  const std::uint64_t time_ms = m->server_time_ms;
  log->append(m);
  log->wait_stored("dev");
  for (const auto& read : {log->read_last("dev", 1), log->read_after("dev", 0, 1)}) {
    ASSERT_EQ(read.size(), 1u);
    EXPECT_EQ(read[0]->room_key, "dev");
    EXPECT_EQ(read[0]->room, "Dev");
    EXPECT_EQ(read[0]->from, "Bob");
    EXPECT_EQ(read[0]->text, m->text);
    EXPECT_EQ(read[0]->seq, 1u);
    EXPECT_EQ(read[0]->server_time_ms, time_ms);
    EXPECT_EQ(read[0]->server_msg_id, 101u);
    EXPECT_TRUE(read[0]->settled.load());
  }
}

TYPED_TEST(MessageLogContract, ReadAfterStartsAfterItsSeqAndStopsAtItsLimit) {
  auto log = this->open();
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    log->append(message("dev", seq));
  }
  log->wait_stored("dev");
  EXPECT_EQ(seqs(log->read_after("dev", 0, 3)), range(1, 3));
  EXPECT_EQ(seqs(log->read_after("dev", 7, 100)), range(8, 10));
  EXPECT_TRUE(log->read_after("dev", 10, 5).empty());
  EXPECT_TRUE(log->read_after("dev", 0, 0).empty());
  EXPECT_EQ(seqs(log->read_last("dev", 100)), range(1, 10));
  EXPECT_TRUE(log->read_last("dev", 0).empty());
}

TYPED_TEST(MessageLogContract, RoomsAreKeptApart) {
  auto log = this->open();
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    log->append(message("dev", seq));
  }
  for (std::uint64_t seq = 1; seq <= 2; ++seq) {
    log->append(message("ops", seq));
  }
  log->wait_stored("dev");
  log->wait_stored("ops");
  EXPECT_EQ(seqs(log->read_last("ops", 10)), range(1, 2));
  EXPECT_EQ(log->read_last("ops", 10)[0]->room, "ops");
  EXPECT_EQ(log->last_seq("dev"), 4u);
  EXPECT_EQ(log->last_seq("ops"), 2u);
  EXPECT_EQ(log->last_seq("nowhere"), 0u);
  EXPECT_EQ(log->first_seq("nowhere"), 0u);
  EXPECT_TRUE(log->read_last("nowhere", 10).empty());
  EXPECT_TRUE(log->read_after("nowhere", 0, 10).empty());
}

TYPED_TEST(MessageLogContract, AMessageWithTheSeqOfAStoredOneReplacesIt) {
  auto log = this->open();
  log->append(message("dev", 1));
  auto again = message("dev", 1);
  again->text = "replaced";
  log->append(again);
  log->wait_stored("dev");
  const auto read = log->read_last("dev", 10);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0]->text, "replaced");
}

TYPED_TEST(MessageLogContract, AnEmptyLogHasNothing) {
  auto log = this->open();
  EXPECT_EQ(log->last_msg_id(), 0u);
  EXPECT_EQ(log->last_seq("dev"), 0u);
  log->wait_stored("dev");  // nothing pending: returns at once
}

TYPED_TEST(MessageLogContract, KeepsOnlyTheNewestMessagesOfEachRoom) {
  auto log = this->open(Retention{3, std::chrono::hours(0)});
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    log->append(message("dev", seq));
    log->append(message("ops", seq));
  }
  log->wait_stored("dev");
  log->wait_stored("ops");
  this->wait_for_first_seq(*log, "dev", 8);
  this->wait_for_first_seq(*log, "ops", 8);
  EXPECT_EQ(seqs(log->read_last("dev", 100)), range(8, 10));
  EXPECT_EQ(seqs(log->read_last("ops", 100)), range(8, 10));
  EXPECT_EQ(log->last_seq("dev"), 10u);
}

TYPED_TEST(MessageLogContract, DropsMessagesOlderThanTheAgeLimit) {
  auto log = this->open(Retention{0, std::chrono::hours(1)});
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    auto old = message("dev", seq);
    old->server_time_ms -= 2 * 3600 * 1000;  // two hours ago
    log->append(old);
  }
  for (std::uint64_t seq = 4; seq <= 5; ++seq) {
    log->append(message("dev", seq));
  }
  log->wait_stored("dev");
  this->wait_for_first_seq(*log, "dev", 4);
  EXPECT_EQ(seqs(log->read_last("dev", 100)), range(4, 5));
}

TYPED_TEST(MessageLogContract, ClosingStoresAndTellsEverythingAppended) {
  std::mutex mutex;
  std::size_t told = 0;
  {
    auto log = this->open(kKeepAll, [&](const std::vector<Stored>& batch, bool committed) {
      EXPECT_TRUE(committed);
      std::lock_guard lock(mutex);
      told += batch.size();
    });
    for (std::uint64_t seq = 1; seq <= 200; ++seq) {
      log->append(message("dev", seq), server::AckTo{net::ConnId{0, 1}, seq, seq});
    }
  }  // no wait_stored: the destructor drains
  std::lock_guard lock(mutex);
  EXPECT_EQ(told, 200u);
}

// ---- Accounts, roles, bans, mutes, audit ----

template <typename Backend>
class AccountStoreContract : public ::testing::Test {
 protected:
  AccountStoreContract() : store_(backend_.accounts()) {}
  Backend backend_;
  std::unique_ptr<AccountStore> store_;
  const std::uint64_t now_ = server::unix_time_ms();
};
TYPED_TEST_SUITE(AccountStoreContract, StorageBackends, BackendNames);

TYPED_TEST(AccountStoreContract, RegistersANameOnceInAnyLetterCase) {
  AccountStore& s = *this->store_;
  EXPECT_FALSE(s.is_registered("alice"));
  EXPECT_FALSE(s.find("alice"));
  EXPECT_TRUE(s.add("Alice", "hash1"));
  EXPECT_FALSE(s.add("ALICE", "hash2"));
  EXPECT_TRUE(s.is_registered("aLiCe"));
  const auto found = s.find("alice");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->nickname, "Alice");  // as registered
  EXPECT_EQ(found->password_hash, "hash1");
  EXPECT_FALSE(found->is_operator);
  EXPECT_TRUE(s.has_password_hash("alice", "hash1"));
  EXPECT_FALSE(s.has_password_hash("alice", "hash2"));
  EXPECT_FALSE(s.has_password_hash("bob", "hash1"));
}

TYPED_TEST(AccountStoreContract, APasswordChangesOnlyWhileTheHashItWasCheckedAgainstHolds) {
  AccountStore& s = *this->store_;
  ASSERT_TRUE(s.add("alice", "v1"));
  const std::string v1 = "v1";
  const std::string stale = "v0";
  EXPECT_FALSE(s.set_password("alice", "x", &stale));
  EXPECT_TRUE(s.has_password_hash("alice", "v1"));
  EXPECT_TRUE(s.set_password("ALICE", "v2", &v1));
  EXPECT_TRUE(s.has_password_hash("alice", "v2"));
  EXPECT_FALSE(s.set_password("alice", "v3", &v1));  // v1 is no longer the password
  EXPECT_TRUE(s.set_password("alice", "v3"));        // a console reset: unconditional
  EXPECT_TRUE(s.has_password_hash("alice", "v3"));
  EXPECT_FALSE(s.set_password("nobody", "v1"));
  EXPECT_FALSE(s.is_registered("nobody"));
}

TYPED_TEST(AccountStoreContract, AnAccountIsRemovedOnlyWhileTheHashItWasCheckedAgainstHolds) {
  AccountStore& s = *this->store_;
  ASSERT_TRUE(s.add("alice", "v1"));
  const std::string stale = "v0";
  const std::string v1 = "v1";
  EXPECT_FALSE(s.remove("alice", &stale));
  EXPECT_TRUE(s.is_registered("alice"));
  EXPECT_TRUE(s.remove("Alice", &v1));
  EXPECT_FALSE(s.is_registered("alice"));
  EXPECT_FALSE(s.remove("alice"));
  EXPECT_TRUE(s.add("alice", "new"));  // the name is free again
}

TYPED_TEST(AccountStoreContract, TheOperatorRoleIsStoredOrHeldForThisRun) {
  AccountStore& s = *this->store_;
  ASSERT_TRUE(s.add("alice", "h"));
  ASSERT_TRUE(s.add("bob", "h"));
  EXPECT_FALSE(s.set_operator("nobody", true));
  EXPECT_TRUE(s.set_operator("ALICE", true));
  EXPECT_TRUE(s.is_operator("alice"));
  EXPECT_TRUE(s.find("alice")->is_operator);
  EXPECT_FALSE(s.is_operator("bob"));

  s.give_operator_for_this_run("Bob");
  s.give_operator_for_this_run("carol");  // not registered: no operator until she is
  EXPECT_TRUE(s.is_operator("bob"));
  EXPECT_FALSE(s.find("bob")->is_operator);  // held, not stored
  EXPECT_FALSE(s.is_operator("carol"));
  ASSERT_TRUE(s.add("Carol", "h"));
  EXPECT_TRUE(s.is_operator("carol"));

  auto ops = s.operators();
  std::sort(ops.begin(), ops.end());
  EXPECT_EQ(ops, (std::vector<std::string>{"Carol", "alice", "bob"}));

  EXPECT_TRUE(s.set_operator("bob", false));  // takes this run's role too
  EXPECT_FALSE(s.is_operator("bob"));
  EXPECT_TRUE(s.remove("carol"));  // a new owner of the name is nobody's operator
  ASSERT_TRUE(s.add("carol", "h"));
  EXPECT_FALSE(s.is_operator("carol"));
  EXPECT_TRUE(s.set_operator("alice", false));
  EXPECT_TRUE(s.operators().empty());
}

// A reload's --operator: only a name registered at that moment gets the role, and taking it
// leaves a role given on the console in place.
TYPED_TEST(AccountStoreContract, AReloadGivesTheRoleOnlyToANameRegisteredThen) {
  AccountStore& s = *this->store_;
  EXPECT_FALSE(s.give_operator_for_this_run_if_registered("dave"));
  ASSERT_TRUE(s.add("Dave", "h"));
  EXPECT_FALSE(s.is_operator("dave")) << "refused before it was registered: nothing held";
  EXPECT_TRUE(s.give_operator_for_this_run_if_registered("DAVE"));
  EXPECT_TRUE(s.is_operator("dave"));
  ASSERT_TRUE(s.set_operator("dave", true));
  s.take_operator_for_this_run("dave");
  EXPECT_TRUE(s.is_operator("dave")) << "the stored role stays";
  ASSERT_TRUE(s.set_operator("dave", false));
  EXPECT_TRUE(s.give_operator_for_this_run_if_registered("dave"));
  s.take_operator_for_this_run("dave");
  EXPECT_FALSE(s.is_operator("dave"));
}

TYPED_TEST(AccountStoreContract, BansAreKeptByKindAndKeyUntilLiftedOrOver) {
  AccountStore& s = *this->store_;
  const std::uint64_t now = this->now_;
  s.ban(Ban{Ban::Kind::nickname, "mallory", "Mallory", 0, "op", "spam"});
  s.ban(Ban{Ban::Kind::address, "10.0.0.1", "10.0.0.1", now + 3600'000, "op", ""});
  s.ban(Ban{Ban::Kind::address, "10.0.0.2", "10.0.0.2", now - 1, "op", "over"});
  const auto nick = s.banned(Ban::Kind::nickname, "mallory", now);
  ASSERT_TRUE(nick);
  EXPECT_EQ(nick->label, "Mallory");
  EXPECT_EQ(nick->by, "op");
  EXPECT_EQ(nick->reason, "spam");
  EXPECT_EQ(nick->until_ms, 0u);
  EXPECT_FALSE(s.banned(Ban::Kind::address, "mallory", now));  // kinds apart
  EXPECT_TRUE(s.banned(Ban::Kind::address, "10.0.0.1", now));
  EXPECT_FALSE(s.banned(Ban::Kind::address, "10.0.0.2", now));
  EXPECT_EQ(s.bans(now).size(), 2u);

  s.ban(Ban{Ban::Kind::nickname, "mallory", "MALLORY", 0, "op2", "again"});  // replaces
  EXPECT_EQ(s.banned(Ban::Kind::nickname, "mallory", now)->by, "op2");
  EXPECT_EQ(s.bans(now).size(), 2u);

  EXPECT_TRUE(s.unban(Ban::Kind::nickname, "mallory"));
  EXPECT_FALSE(s.unban(Ban::Kind::nickname, "mallory"));
  EXPECT_FALSE(s.banned(Ban::Kind::nickname, "mallory", now));
  const auto left = s.bans(now);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].key, "10.0.0.1");
  EXPECT_TRUE(s.bans(now + 3600'000).empty());                             // over by then
  EXPECT_FALSE(s.banned(Ban::Kind::address, "10.0.0.1", now + 3600'000));  // and dropped
}

TYPED_TEST(AccountStoreContract, MutesAreStoredReplacedDeletedAndDropWhenOver) {
  AccountStore& s = *this->store_;
  const std::uint64_t now = this->now_;
  EXPECT_TRUE(s.stored_mutes(now).empty());
  s.store_mute(Mute{"Bob", 0, "op", "noise"});
  s.store_mute(Mute{"carol", now + 60'000, "op", ""});
  s.store_mute(Mute{"dave", now - 1, "op", "over"});
  s.store_mute(Mute{"BOB", 0, "op2", "again"});  // replaces Bob's
  auto mutes = s.stored_mutes(now);
  std::sort(mutes.begin(), mutes.end(),
            [](const Mute& a, const Mute& b) { return a.nickname < b.nickname; });
  ASSERT_EQ(mutes.size(), 2u);
  EXPECT_EQ(mutes[0].nickname, "BOB");
  EXPECT_EQ(mutes[0].by, "op2");
  EXPECT_EQ(mutes[0].reason, "again");
  EXPECT_EQ(mutes[1].nickname, "carol");
  EXPECT_EQ(mutes[1].until_ms, now + 60'000);

  s.delete_mute("bob");
  s.delete_mute("nobody");  // nothing to delete: no error
  mutes = s.stored_mutes(now);
  ASSERT_EQ(mutes.size(), 1u);
  EXPECT_EQ(mutes[0].nickname, "carol");
  EXPECT_TRUE(s.stored_mutes(now + 60'000).empty());  // carol's is over by then
}

TYPED_TEST(AccountStoreContract, TheAuditLogListsTheNewestEntriesOldestFirstEscaped) {
  AccountStore& s = *this->store_;
  EXPECT_TRUE(s.recent_audit(10).empty());
  for (int i = 1; i <= 5; ++i) {
    s.audit("op", "kick n" + std::to_string(i), "done");
  }
  s.audit("op", "say \x1b[31mred\nline", std::string(5000, 'x'));
  const auto lines = s.recent_audit(3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("op 'kick n4': done"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("op 'kick n5': done"), std::string::npos) << lines[1];
  EXPECT_NE(lines[0].find(" UTC "), std::string::npos) << lines[0];
  // Neither the escape nor the line break reaches the terminal, and the outcome is bounded.
  EXPECT_EQ(lines[2].find('\x1b'), std::string::npos) << lines[2];
  EXPECT_EQ(lines[2].find('\n'), std::string::npos) << lines[2];
  EXPECT_LT(lines[2].size(), 1500u);
  EXPECT_EQ(s.recent_audit(100).size(), 6u);
}

TYPED_TEST(MessageLogContract, AnActionStaysAnActionWhenReadBack) {
  auto log = this->open();
  auto action = message("dev", 1);
  action->action = true;
  log->append(action);
  log->append(message("dev", 2));
  log->wait_stored("dev");
  const auto back = log->read_after("dev", 0, 10);
  ASSERT_EQ(seqs(back), range(1, 2));
  EXPECT_TRUE(back[0]->action);
  EXPECT_FALSE(back[1]->action);
  EXPECT_FALSE(log->read_last("dev", 1).front()->action);
  EXPECT_TRUE(log->read_last("dev", 2).front()->action);
}

// ---- What only a persistent backend (SQLite) promises: it is all there after reopening ----

TEST(SqliteStorage, ADatabaseFromBeforeActionsIsUpgradedInPlace) {
  TempDatabase db;
  {
    server::SqliteDb old(db.path(), "history");  // the schema before Broadcast.action
    old.exec(
        "CREATE TABLE messages (room_key TEXT NOT NULL, seq INTEGER NOT NULL, room TEXT NOT NULL,"
        " sender TEXT NOT NULL, text TEXT NOT NULL, server_time_ms INTEGER NOT NULL,"
        " server_msg_id INTEGER NOT NULL, PRIMARY KEY (room_key, seq)) WITHOUT ROWID");
    old.exec(("INSERT INTO messages VALUES ('dev', 1, 'dev', 'alice', 'old', " +
              std::to_string(server::unix_time_ms()) + ", 101)")
                 .c_str());
  }
  {
    MessageLog log(std::make_unique<server::SqliteMessageBackend>(db.path(), Retention{}));
    auto action = message("dev", 2);
    action->action = true;
    log.append(action);
  }
  MessageLog reopened(std::make_unique<server::SqliteMessageBackend>(db.path(), Retention{}));
  const auto back = reopened.read_after("dev", 0, 10);
  ASSERT_EQ(seqs(back), range(1, 2));
  EXPECT_EQ(back[0]->text, "old");
  EXPECT_FALSE(back[0]->action);
  EXPECT_TRUE(back[1]->action);
}

TEST(SqliteStorage, MessagesAndTheLastMsgIdAreThereAfterReopening) {
  TempDatabase db;
  {
    MessageLog log(std::make_unique<server::SqliteMessageBackend>(db.path(), Retention{}));
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      log.append(message("dev", seq));
    }
  }  // closed: everything appended is stored first
  MessageLog reopened(std::make_unique<server::SqliteMessageBackend>(db.path(), Retention{}));
  EXPECT_EQ(seqs(reopened.read_last("dev", 10)), range(1, 3));
  EXPECT_EQ(reopened.last_seq("dev"), 3u);
  EXPECT_EQ(reopened.last_msg_id(), 103u);
}

TEST(SqliteStorage, AStricterRetentionAppliesToEveryRoomOnReopening) {
  TempDatabase db;
  {
    MessageLog log(std::make_unique<server::SqliteMessageBackend>(db.path(), kKeepAll));
    for (std::uint64_t seq = 1; seq <= 10; ++seq) {
      log.append(message("dev", seq));
      log.append(message("ops", seq));
    }
  }
  MessageLog reopened(std::make_unique<server::SqliteMessageBackend>(
      db.path(), Retention{4, std::chrono::hours(0)}));
  // Pruned before the log is used: the first read already sees it.
  EXPECT_EQ(seqs(reopened.read_last("dev", 100)), range(7, 10));
  EXPECT_EQ(seqs(reopened.read_last("ops", 100)), range(7, 10));
}

// A server down for longer than --keep-days finds every message too old: the retention empties
// the table as the log opens, and the message ids still go on after the highest one it held.
TEST(SqliteStorage, MessageIdsGoOnAfterTheRetentionEmptiedTheTable) {
  TempDatabase db;
  {
    MessageLog log(std::make_unique<server::SqliteMessageBackend>(db.path(), kKeepAll));
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      auto old = message("dev", seq);
      old->server_time_ms = 1000;  // 1970: older than any --keep-days
      log.append(old);
    }
  }
  MessageLog reopened(std::make_unique<server::SqliteMessageBackend>(
      db.path(), Retention{0, std::chrono::hours(24)}));
  EXPECT_TRUE(reopened.read_last("dev", 100).empty()) << "the retention did not run at open";
  EXPECT_EQ(reopened.last_msg_id(), 103u);
}

TEST(SqliteStorage, AccountsRolesBansMutesAndAuditAreThereAfterReopening) {
  TempDatabase db;
  const std::uint64_t now = server::unix_time_ms();
  {
    server::SqliteAccountStore s(db.path());
    ASSERT_TRUE(s.add("Alice", "h1"));
    ASSERT_TRUE(s.set_operator("alice", true));
    ASSERT_TRUE(s.add("bob", "h2"));
    s.give_operator_for_this_run("bob");  // never stored
    s.ban(Ban{Ban::Kind::address, "10.0.0.1", "10.0.0.1", 0, "op", "why"});
    s.store_mute(Mute{"carol", 0, "op", "noise"});
    s.audit("op", "op alice", "done");
  }
  server::SqliteAccountStore s(db.path());
  ASSERT_TRUE(s.find("ALICE"));
  EXPECT_EQ(s.find("alice")->nickname, "Alice");
  EXPECT_TRUE(s.is_operator("alice"));
  EXPECT_TRUE(s.has_password_hash("bob", "h2"));
  EXPECT_FALSE(s.is_operator("bob"));
  const auto ban = s.banned(Ban::Kind::address, "10.0.0.1", now);
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->reason, "why");
  ASSERT_EQ(s.stored_mutes(now).size(), 1u);
  EXPECT_EQ(s.stored_mutes(now)[0].nickname, "carol");
  const auto audit = s.recent_audit(10);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_NE(audit[0].find("op 'op alice': done"), std::string::npos) << audit[0];
}

TEST(SqliteStorage, AnUnusableDatabaseIsRefusedWithTheReason) {
  const std::string nowhere =
      (std::filesystem::temp_directory_path() / "no-such-dir-chat" / "x" / "chat.db").string();
  for (int which = 0; which < 2; ++which) {
    try {
      if (which == 0) {
        server::SqliteMessageBackend backend(nowhere, Retention{});
      } else {
        server::SqliteAccountStore store(nowhere);
      }
      FAIL() << "opened " << nowhere;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(nowhere), std::string::npos) << e.what();
    }
  }
}

// ---- open_storage: --db picks the backends ----

server::ServerConfig config_with_db(const std::string& db_path) {
  server::ServerConfig cfg;
  cfg.db_path = db_path;
  return cfg;
}

// What a first open stored, a second open of the same --db finds (true), or not (false).
bool second_open_finds_the_first(const server::ServerConfig& cfg) {
  {
    auto accounts = server::open_account_store(cfg);
    EXPECT_TRUE(accounts->add("alice", "h"));
    auto log = server::open_message_log(cfg, {});
    log->append(message("dev", 1));
  }
  const bool account = server::open_account_store(cfg)->is_registered("alice");
  const bool message = server::open_message_log(cfg, {})->last_seq("dev") == 1;
  EXPECT_EQ(account, message);
  return account;
}

TEST(OpenStorage, AFileIsStoredInAndKeptAcrossOpens) {
  TempDatabase db;
  EXPECT_TRUE(second_open_finds_the_first(config_with_db(db.path())));
}

TEST(OpenStorage, MemoryKeepsEverythingForOneRunOnly) {
  const auto cfg = config_with_db(server::kMemoryDb);
  auto log = server::open_message_log(cfg, {});
  ASSERT_TRUE(log);
  log->append(message("dev", 1));
  log->wait_stored("dev");
  EXPECT_EQ(log->last_seq("dev"), 1u);
  EXPECT_FALSE(second_open_finds_the_first(cfg));
  // Nothing was written to a file of that name either.
  EXPECT_FALSE(std::filesystem::exists(server::kMemoryDb));
}

TEST(OpenStorage, NoDatabaseStoresNoHistoryAndKeepsAccountsInMemory) {
  const auto cfg = config_with_db("");
  EXPECT_EQ(server::open_message_log(cfg, {}), nullptr);
  auto accounts = server::open_account_store(cfg);
  ASSERT_TRUE(accounts);
  EXPECT_TRUE(accounts->add("alice", "h"));
  EXPECT_TRUE(accounts->is_registered("alice"));
  EXPECT_FALSE(server::open_account_store(cfg)->is_registered("alice"));
}

}  // namespace
}  // namespace chat::testing
