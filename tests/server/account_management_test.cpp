// Accounts a user can manage (issue 17, item 15): changing one's password, deleting one's
// account, the console's password reset; mutes stored like bans; the operator role given or
// taken while its holder is connected. 127.0.0.2, 127.0.0.3 ... stand for distinct hosts.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "accounts/password_hash.h"
#include "storage/sqlite_db.h"
#include "support/temp_database.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

constexpr const char* kPassword = "correct horse";
constexpr const char* kNewPassword = "battery staple";

Envelope change_password(TestClient& c, const std::string& old_password,
                         const std::string& new_password) {
  Envelope env;
  env.mutable_change_password()->set_old_password(old_password);
  env.mutable_change_password()->set_new_password(new_password);
  return c.ask(std::move(env), Envelope::kPasswordChanged);
}

Envelope delete_account(TestClient& c, const std::string& password) {
  Envelope env;
  env.mutable_delete_account()->set_password(password);
  return c.ask(std::move(env), Envelope::kAccountDeleted);
}

// The next Notice{ROLE_CHANGED} `c` receives.
std::optional<Envelope> role_notice(TestClient& c) {
  return c.wait_for([](const Envelope& e) {
    return e.has_notice() && e.notice().kind() == proto::Notice::ROLE_CHANGED;
  });
}

class AccountManagementTest : public ::testing::Test {
 protected:
  // A client logged in to `nick` (registered with kPassword) from `from`, its lobby list read.
  std::unique_ptr<TestClient> logged_in(const std::string& nick, const net::Endpoint& from = {}) {
    auto c = std::make_unique<TestClient>(network_, server_.endpoint(), from);
    EXPECT_TRUE(c->connected()) << c->connect_error();
    const Envelope welcome = c->login(nick, kPassword);
    EXPECT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
    EXPECT_TRUE(c->wait_for(Envelope::kUserList));
    return c;
  }

  client::ClientNetwork network_{2};
  TestServer server_{test_config_for_accounts()};
};

TEST_F(AccountManagementTest, AChangedPasswordReplacesTheOldOne) {
  register_account(network_, server_.endpoint(), "alice", kPassword);
  auto alice = logged_in("alice");
  const Envelope changed = change_password(*alice, kPassword, kNewPassword);
  ASSERT_TRUE(changed.has_password_changed()) << changed.ShortDebugString();
  EXPECT_EQ(changed.password_changed().nickname(), "alice");

  TestClient with_old(network_, server_.endpoint(), loopback_host(2));
  ASSERT_TRUE(with_old.connected()) << with_old.connect_error();
  EXPECT_EQ(with_old.login("alice", kPassword).error().code(), proto::LOGIN_FAILED);
  TestClient with_new(network_, server_.endpoint(), loopback_host(3));
  ASSERT_TRUE(with_new.connected()) << with_new.connect_error();
  const Envelope welcome = with_new.login("alice", kNewPassword);
  EXPECT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
}

TEST_F(AccountManagementTest, ChangePasswordRefusesGuestsAndBadNewPasswords) {
  auto guest = joined_client(network_, server_.endpoint(), "guest");
  EXPECT_EQ(change_password(*guest, kPassword, kNewPassword).error().code(), proto::NOT_LOGGED_IN);
  EXPECT_EQ(delete_account(*guest, kPassword).error().code(), proto::NOT_LOGGED_IN);
  register_account(network_, server_.endpoint(), "bob", kPassword);
  auto bob = logged_in("bob");
  EXPECT_EQ(change_password(*bob, kPassword, "short").error().code(), proto::PASSWORD_INVALID);
  EXPECT_EQ(change_password(*bob, kPassword, std::string(129, 'x')).error().code(),
            proto::PASSWORD_INVALID);
  TestClient again(network_, server_.endpoint(), loopback_host(2));
  ASSERT_TRUE(again.connected()) << again.connect_error();
  EXPECT_TRUE(again.login("bob", kPassword).has_welcome()) << "a refused change changed it";
}

// A wrong current password counts as a failed login of (account, address): a thief on a
// logged-in connection cannot guess at it faster than at a login.
TEST_F(AccountManagementTest, AWrongCurrentPasswordIsRefusedAndThrottledLikeALogin) {
  register_account(network_, server_.endpoint(), "carol", kPassword);
  auto carol = logged_in("carol", loopback_host(2));
  for (int i = 0; i < 6; ++i) {
    const Envelope reply = change_password(*carol, "guess " + std::to_string(i), kNewPassword);
    EXPECT_EQ(reply.error().code(), i < 4 ? proto::LOGIN_FAILED : proto::LOGIN_THROTTLED) << i;
    EXPECT_FALSE(reply.error().fatal());
  }
  // Shut for the pair: the right password too, and a login of carol from that address.
  EXPECT_EQ(change_password(*carol, kPassword, kNewPassword).error().code(),
            proto::LOGIN_THROTTLED);
  EXPECT_EQ(delete_account(*carol, kPassword).error().code(), proto::LOGIN_THROTTLED);
  TestClient same_address(network_, server_.endpoint(), loopback_host(2));
  ASSERT_TRUE(same_address.connected()) << same_address.connect_error();
  EXPECT_EQ(same_address.login("carol", kPassword).error().code(), proto::LOGIN_THROTTLED);
  // Nothing changed: the owner logs in from elsewhere with the password as it was.
  TestClient owner(network_, server_.endpoint(), loopback_host(3));
  ASSERT_TRUE(owner.connected()) << owner.connect_error();
  const Envelope welcome = owner.login("carol", kPassword);
  EXPECT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
}

TEST_F(AccountManagementTest, ADeletedAccountLeavesAGuestAndItsNicknameFreeToRegister) {
  register_account(network_, server_.endpoint(), "dave", kPassword);
  auto dave = logged_in("dave");
  EXPECT_EQ(delete_account(*dave, "not the password").error().code(), proto::LOGIN_FAILED);
  const Envelope deleted = delete_account(*dave, kPassword);
  ASSERT_TRUE(deleted.has_account_deleted()) << deleted.ShortDebugString();
  EXPECT_EQ(deleted.account_deleted().nickname(), "dave");
  // Still connected, as a guest: chat goes on, the account's requests do not.
  ASSERT_TRUE(dave->broadcast("lobby", "still here", 1));
  const auto ack = dave->wait_for(Envelope::kAck);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack().client_msg_id(), 1u);
  EXPECT_EQ(delete_account(*dave, kPassword).error().code(), proto::NOT_LOGGED_IN);
  TestClient login(network_, server_.endpoint());
  EXPECT_EQ(login.login("dave", kPassword).error().code(), proto::LOGIN_FAILED);

  Envelope quit;
  quit.mutable_quit();
  dave->send(quit);
  ASSERT_TRUE(dave->wait_closed());
  // Someone else takes the nickname and registers it; the old password is nothing to it.
  TestClient newcomer(network_, server_.endpoint(), loopback_host(2));
  ASSERT_TRUE(newcomer.connected()) << newcomer.connect_error();
  ASSERT_TRUE(newcomer.join("Dave").has_welcome());
  const Envelope registered = newcomer.register_nickname(kNewPassword);
  EXPECT_TRUE(registered.has_registered()) << registered.ShortDebugString();
  TestClient old_owner(network_, server_.endpoint(), loopback_host(3));
  ASSERT_TRUE(old_owner.connected()) << old_owner.connect_error();
  EXPECT_EQ(old_owner.login("dave", kPassword).error().code(), proto::LOGIN_FAILED);
}

TEST_F(AccountManagementTest, TheConsoleResetsAPasswordReadWithoutEcho) {
  register_account(network_, server_.endpoint(), "erin", kPassword);
  auto erin = logged_in("erin");
  server::ChatServer& server = server_.server();
  // First the prompts, and nothing done: the console reads the password, it is not in the line.
  const server::ConsoleAnswer ask = server.answer_console_command("passwd erin", {});
  EXPECT_EQ(ask.secret_prompts.size(), 2u);
  EXPECT_TRUE(ask.lines.empty());
  EXPECT_TRUE(has_line_containing(server.run_console_command("passwd erin"), "error:"));
  const auto differ = server.answer_console_command("passwd erin", {kNewPassword, "typo"}).lines;
  EXPECT_TRUE(has_line_containing(differ, "error: the two passwords differ"));
  EXPECT_TRUE(has_line_containing(
      server.answer_console_command("passwd erin", {"short", "short"}).lines, "error:"));
  EXPECT_TRUE(has_line_containing(
      server.answer_console_command("passwd nobody", {kNewPassword, kNewPassword}).lines,
      "error: 'nobody' is not a registered nickname"));
  EXPECT_FALSE(erin->wait_for(Envelope::kError, std::chrono::milliseconds(0)))
      << "a refused reset touched the account's connection";

  const auto done = server.answer_console_command("passwd erin", {kNewPassword, kNewPassword});
  EXPECT_TRUE(has_line_containing(done.lines, "erin has a new password")) << done.lines.front();
  // Whoever was logged in got in with the old password: that connection ends.
  const auto kicked = erin->wait_for(Envelope::kError);
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->error().code(), proto::KICKED);
  EXPECT_NE(kicked->error().message().find("password was reset"), std::string::npos);
  EXPECT_TRUE(erin->wait_closed());

  TestClient with_old(network_, server_.endpoint(), loopback_host(2));
  ASSERT_TRUE(with_old.connected()) << with_old.connect_error();
  EXPECT_EQ(with_old.login("erin", kPassword).error().code(), proto::LOGIN_FAILED);
  TestClient with_new(network_, server_.endpoint(), loopback_host(3));
  ASSERT_TRUE(with_new.connected()) << with_new.connect_error();
  EXPECT_TRUE(with_new.login("erin", kNewPassword).has_welcome());
  const auto audit = server.run_console_command("audit 20");
  EXPECT_TRUE(has_line_containing(audit, "console 'passwd erin': erin has a new password"));
  EXPECT_FALSE(has_line_containing(audit, kNewPassword));
}

TEST(AccountManagementOperatorTest, PasswdIsRefusedOverTheNetworkAndNeverAuditsAPassword) {
  server::ServerConfig cfg = test_config();
  cfg.operators = {"boss"};
  cfg.operator_password = [](const std::string&) { return std::optional<std::string>(kPassword); };
  TestServer server(cfg);
  client::ClientNetwork network(2);
  TestClient boss(network, server.endpoint());
  ASSERT_TRUE(boss.login("boss", kPassword).welcome().is_operator());
  const Envelope refused = boss.operator_command("passwd boss hunter2hunter2");
  ASSERT_TRUE(refused.has_error()) << refused.ShortDebugString();
  EXPECT_EQ(refused.error().code(), proto::COMMAND_INVALID);
  const auto audit = server.server().run_console_command("audit");
  EXPECT_TRUE(has_line_containing(audit, "boss 'passwd boss ...': refused"));
  EXPECT_FALSE(has_line_containing(audit, "hunter2"));
}

TEST(MuteStorageTest, AMuteSurvivesARestartAndSoDoesItsLifting) {
  TempDatabase db;
  server::ServerConfig cfg = test_config();
  cfg.db_path = db.path();
  client::ClientNetwork network(2);
  {
    TestServer server(cfg);
    EXPECT_TRUE(has_line_containing(server.server().run_console_command("mute Bob 2h calm down"),
                                    "muted Bob until"));
    server.server().run_console_command("mute carol");
    server.server().run_console_command("mute dave 1h");
    server.server().run_console_command("unmute dave");
  }
  TestServer server(cfg);
  auto bob = joined_client(network, server.endpoint(), "bob");
  ASSERT_TRUE(bob->broadcast("lobby", "can you hear me", 1));
  const auto error = bob->wait_for(Envelope::kError);
  ASSERT_TRUE(error) << "the mute was lost in the restart";
  EXPECT_EQ(error->error().code(), proto::MUTED);
  EXPECT_NE(error->error().message().find("muted by console until"), std::string::npos)
      << error->error().message();
  EXPECT_NE(error->error().message().find("calm down"), std::string::npos);
  auto carol = joined_client(network, server.endpoint(), "carol");
  ASSERT_TRUE(carol->whisper("bob", "psst", 2));
  const auto carol_error = carol->wait_for(Envelope::kError);
  ASSERT_TRUE(carol_error);
  EXPECT_EQ(carol_error->error().code(), proto::MUTED);
  auto dave = joined_client(network, server.endpoint(), "dave");
  ASSERT_TRUE(dave->broadcast("lobby", "unmuted before the restart", 3));
  const auto ack = dave->wait_for(Envelope::kAck);
  ASSERT_TRUE(ack) << "an unmute was lost in the restart";
  EXPECT_EQ(ack->ack().client_msg_id(), 3u);
  EXPECT_TRUE(has_line_containing(server.server().run_console_command("who"),
                                  "bob 127.0.0.1 "
                                  "guest muted"));
}

// A database file from before mutes were stored (accounts, bans and audit only) is taken as it
// is: its accounts log in, and mutes are stored in it from then on.
TEST(MuteStorageTest, ADatabaseFromBeforeMutesWereStoredGainsThem) {
  TempDatabase db;
  {
    server::SqliteDb old(db.path(), "test");
    old.exec(
        "CREATE TABLE accounts (name_key TEXT PRIMARY KEY, nickname TEXT NOT NULL,"
        " password_hash TEXT NOT NULL, is_operator INTEGER NOT NULL DEFAULT 0,"
        " created_ms INTEGER NOT NULL) WITHOUT ROWID");
    old.exec(
        "CREATE TABLE bans (id TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
        " key TEXT NOT NULL, label TEXT NOT NULL, until_ms INTEGER NOT NULL, by TEXT NOT NULL,"
        " reason TEXT NOT NULL) WITHOUT ROWID");
    old.exec(
        "CREATE TABLE audit (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
        " actor TEXT NOT NULL, command TEXT NOT NULL, outcome TEXT NOT NULL)");
    server::Statement add(old,
                          "INSERT INTO accounts (name_key, nickname, password_hash, is_operator,"
                          " created_ms) VALUES ('frank', 'Frank', ?, 0, 1)");
    const std::string hash = server::hash_password(kPassword, server::HashCost::minimal);
    add.bind(1, hash);
    add.run();
  }
  server::ServerConfig cfg = test_config();
  cfg.db_path = db.path();
  client::ClientNetwork network(2);
  {
    TestServer server(cfg);
    TestClient frank(network, server.endpoint());
    const Envelope welcome = frank.login("frank", kPassword);
    ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
    EXPECT_EQ(welcome.welcome().nickname(), "Frank");
    EXPECT_TRUE(
        has_line_containing(server.server().run_console_command("mute frank"), "muted frank"));
  }
  TestServer server(cfg);
  TestClient frank(network, server.endpoint());
  ASSERT_TRUE(frank.login("frank", kPassword).has_welcome());
  ASSERT_TRUE(frank.broadcast("lobby", "hello", 1));
  const auto error = frank.wait_for(Envelope::kError);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error().code(), proto::MUTED);
}

TEST_F(AccountManagementTest, OpAndDeopTellTheHolderAtOnceAndTakeEffectAtOnce) {
  register_account(network_, server_.endpoint(), "grace", kPassword);
  auto grace = logged_in("grace");
  EXPECT_EQ(grace->operator_command("who").error().code(), proto::NOT_OPERATOR);

  EXPECT_TRUE(has_line_containing(server_.server().run_console_command("op grace"),
                                  "grace has the operator role"));
  const auto given = role_notice(*grace);
  ASSERT_TRUE(given) << "grace was not told she is an operator";
  EXPECT_TRUE(given->notice().is_operator());
  EXPECT_EQ(given->notice().text(), "you have the operator role now (given by console)");
  EXPECT_TRUE(grace->operator_command("who").has_operator_reply());

  server_.server().run_console_command("deop grace");
  const auto taken = role_notice(*grace);
  ASSERT_TRUE(taken) << "grace was not told she is no operator any more";
  EXPECT_FALSE(taken->notice().is_operator());
  EXPECT_EQ(taken->notice().text(), "you no longer have the operator role (taken by console)");
  EXPECT_EQ(grace->operator_command("who").error().code(), proto::NOT_OPERATOR);
}

// An --operator name's role is taken by deop too (for this run), and deleting the account ends
// it: whoever registers the name next is no operator.
TEST(AccountManagementOperatorTest, DeopAndDeletionEndTheRoleOfAnOperatorName) {
  server::ServerConfig cfg = test_config();
  cfg.operators = {"boss", "chief"};
  cfg.operator_password = [](const std::string&) { return std::optional<std::string>(kPassword); };
  TestServer server(cfg);
  client::ClientNetwork network(2);
  TestClient boss(network, server.endpoint());
  ASSERT_TRUE(boss.login("boss", kPassword).welcome().is_operator());
  EXPECT_TRUE(has_line_containing(server.server().run_console_command("deop boss"),
                                  "boss no longer has the operator role"));
  const auto taken = role_notice(boss);
  ASSERT_TRUE(taken);
  EXPECT_FALSE(taken->notice().is_operator());
  EXPECT_EQ(boss.operator_command("who").error().code(), proto::NOT_OPERATOR);

  TestClient chief(network, server.endpoint());
  ASSERT_TRUE(chief.login("chief", kPassword).welcome().is_operator());
  ASSERT_TRUE(chief.wait_for(Envelope::kUserList));
  ASSERT_TRUE(delete_account(chief, kPassword).has_account_deleted());
  EXPECT_EQ(chief.operator_command("who").error().code(), proto::NOT_OPERATOR);
  Envelope quit;
  quit.mutable_quit();
  chief.send(quit);
  ASSERT_TRUE(chief.wait_closed());
  TestClient newcomer(network, server.endpoint());
  ASSERT_TRUE(newcomer.join("chief").has_welcome());
  ASSERT_TRUE(newcomer.register_nickname(kNewPassword).has_registered());
  EXPECT_EQ(newcomer.operator_command("who").error().code(), proto::NOT_OPERATOR);
  TestClient relogin(network, server.endpoint());
  EXPECT_FALSE(relogin.login("chief", kNewPassword).welcome().is_operator());
}

}  // namespace
}  // namespace chat::testing
