// Operators: who may run the commands, and what each does (notice, kick, ban and unban of a
// nickname and of an address, mute, who, rooms, audit, op/deop from the console, shutdown).
#include <gtest/gtest.h>

#include <stdexcept>

#include <algorithm>
#include <chrono>
#include <thread>

#include "operators/operator_commands.h"
#include "support/temp_database.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

constexpr const char* kPassword = "operator password";

std::vector<std::string> lines_of(const Envelope& reply) {
  return {reply.operator_reply().lines().begin(), reply.operator_reply().lines().end()};
}

// boss is an --operator name; the server registers it at start with the password its console
// gives (chat_server asks there).
server::ServerConfig config_with_operator() {
  server::ServerConfig cfg = test_config();
  cfg.operators = {"boss"};
  cfg.operator_password = [](const std::string&) { return std::optional<std::string>(kPassword); };
  return cfg;
}

class OperatorsTest : public ::testing::Test {
 protected:
  OperatorsTest() {
    boss_ = std::make_unique<TestClient>(network_, server_.endpoint());
    const Envelope welcome = boss_->login("boss", kPassword);
    EXPECT_TRUE(welcome.welcome().is_operator()) << welcome.ShortDebugString();
    boss_->wait_for(Envelope::kUserList);  // the lobby's
  }

  Envelope run(const std::string& line) { return boss_->operator_command(line); }

  client::ClientNetwork network_{2};
  TestServer server_{config_with_operator()};
  std::unique_ptr<TestClient> boss_;
};

TEST_F(OperatorsTest, OnlyOperatorsMayRunCommands) {
  auto guest = joined_client(network_, server_.endpoint(), "guest");
  EXPECT_EQ(guest->operator_command("who").error().code(), proto::NOT_OPERATOR);
  register_account(network_, server_.endpoint(), "member", kPassword);
  TestClient member(network_, server_.endpoint());
  ASSERT_TRUE(member.login("member", kPassword).has_welcome());
  EXPECT_EQ(member.operator_command("who").error().code(), proto::NOT_OPERATOR);
  // A guest cannot even take the operator's nickname.
  TestClient impostor(network_, server_.endpoint());
  EXPECT_EQ(impostor.join("BOSS").error().code(), proto::NICKNAME_REGISTERED);
}

TEST_F(OperatorsTest, UnknownCommandsAndBadArgumentsAreRefused) {
  EXPECT_EQ(run("frobnicate").error().code(), proto::COMMAND_INVALID);
  EXPECT_EQ(run("kick").error().code(), proto::COMMAND_INVALID);
  EXPECT_EQ(run("kick nobody-here").error().code(), proto::COMMAND_INVALID);
  EXPECT_EQ(run("op someone").error().code(), proto::COMMAND_INVALID);  // console only
  // A mistyped duration is refused, not taken for the start of the reason (a mute for ever).
  const Envelope typo = run("mute someone 5x too loud");
  EXPECT_EQ(typo.error().code(), proto::COMMAND_INVALID);
  EXPECT_NE(typo.error().message().find("'5x' is not a duration"), std::string::npos);
  EXPECT_EQ(run("ban someone 90").error().code(), proto::COMMAND_INVALID);
  EXPECT_TRUE(has_line_containing(lines_of(run("bans")), "0 bans"));
  EXPECT_TRUE(has_line_containing(lines_of(run("/help")), "kick NICK"));
}

TEST_F(OperatorsTest, NoticeReachesEveryone) {
  auto alice = joined_client(network_, server_.endpoint(), "alice");
  const Envelope reply = run("notice maintenance at noon");
  ASSERT_TRUE(reply.has_operator_reply()) << reply.ShortDebugString();
  for (TestClient* c : {alice.get(), boss_.get()}) {
    const auto notice = c->wait_for(Envelope::kNotice);
    ASSERT_TRUE(notice);
    EXPECT_EQ(notice->notice().kind(), proto::Notice::INFO);
    EXPECT_EQ(notice->notice().text(), "notice from boss: maintenance at noon");
  }
}

TEST_F(OperatorsTest, KickDisconnectsWithTheReasonAndTellsTheRoom) {
  auto bob = joined_client(network_, server_.endpoint(), "bob");
  ASSERT_TRUE(run("kick bob spamming links").has_operator_reply());
  const auto error = bob->wait_for(Envelope::kError);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error().code(), proto::KICKED);
  EXPECT_TRUE(error->error().fatal());
  EXPECT_EQ(error->error().message(), "kicked by boss: spamming links");
  EXPECT_TRUE(bob->wait_closed());
  const auto left = boss_->wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().nickname(), "bob");
  EXPECT_EQ(left->presence().reason(), "disconnect: kicked by an operator");
}

// A kicked client that neither reads nor closes holds its connection until --linger-ms; its
// rooms and its nickname are let go at the kick, not then.
TEST(OperatorKickTest, TheRoomHearsAndTheNicknameIsFreeAtOnceWhileTheKickedClientHangsOn) {
  server::ServerConfig cfg = config_with_operator();
  cfg.linger = std::chrono::minutes(5);
  TestServer server(cfg);
  client::ClientNetwork network(2);
  TestClient boss(network, server.endpoint());
  ASSERT_TRUE(boss.login("boss", kPassword).welcome().is_operator());
  ASSERT_TRUE(boss.wait_for(Envelope::kUserList));
  auto bob = joined_client(network, server.endpoint(), "bob");
  ASSERT_TRUE(bob->join_room("dev"));
  ASSERT_TRUE(bob->wait_for(Envelope::kUserList));
  ASSERT_TRUE(boss.join_room("dev"));
  ASSERT_TRUE(boss.wait_for(
      [](const Envelope& e) { return e.has_user_list() && e.user_list().room() == "dev"; }));
  bob->pause_receiving();  // hears nothing more, never closes

  ASSERT_TRUE(boss.operator_command("kick bob").has_operator_reply());
  for (const std::string room : {"lobby", "dev"}) {
    const auto left = boss.wait_for([&](const Envelope& e) {
      return e.has_presence() && e.presence().kind() == proto::Presence::LEFT &&
             e.presence().room() == room;
    });
    ASSERT_TRUE(left) << "no LEFT in " << room;
    EXPECT_EQ(left->presence().nickname(), "bob");
    EXPECT_EQ(left->presence().reason(), "disconnect: kicked by an operator");
  }
  TestClient new_bob(network, server.endpoint());
  ASSERT_TRUE(new_bob.join("bob").has_welcome()) << "the kicked client still held the nickname";
  ASSERT_TRUE(new_bob.request_users("lobby"));
  const auto list = new_bob.wait_for(Envelope::kUserList);
  ASSERT_TRUE(list);
  EXPECT_EQ(
      std::count(list->user_list().members().begin(), list->user_list().members().end(), "bob"), 1);
  EXPECT_TRUE(boss.wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::JOINED &&
           e.presence().nickname() == "bob";
  }));
  // The old connection's close, when it comes, tells nobody a second time. Its close ends in
  // on_closed, which would queue a second LEFT before it stops counting the connection; boss's
  // UserList asked after that comes behind any such LEFT.
  bob.reset();
  for (int attempt = 0; attempt < 250 && server.server().client_count() > 2; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a state, not a race
  }
  ASSERT_EQ(server.server().client_count(), 2u) << "the kicked connection was never closed";
  ASSERT_TRUE(boss.request_users("lobby"));
  const auto members = boss.wait_for(Envelope::kUserList);
  ASSERT_TRUE(members);
  EXPECT_FALSE(boss.wait_for(
      [](const Envelope& e) {
        return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
      },
      std::chrono::milliseconds(0)));
}

TEST_F(OperatorsTest, BanOfANicknameDisconnectsAndRefusesItUntilUnbanned) {
  auto bob = joined_client(network_, server_.endpoint(), "bob");
  const Envelope reply = run("ban Bob 2h trolling");
  ASSERT_TRUE(reply.has_operator_reply()) << reply.ShortDebugString();
  EXPECT_TRUE(has_line_containing(lines_of(reply), "disconnected 1"));
  const auto error = bob->wait_for(Envelope::kError);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error().code(), proto::BANNED);
  EXPECT_NE(error->error().message().find("trolling"), std::string::npos);
  EXPECT_TRUE(bob->wait_closed());

  TestClient again(network_, server_.endpoint());
  const Envelope refused = again.join("bob");
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), proto::BANNED);
  EXPECT_TRUE(refused.error().fatal());
  EXPECT_TRUE(has_line_containing(lines_of(run("bans")), "Bob banned by boss until"));

  ASSERT_TRUE(run("unban bob").has_operator_reply());
  EXPECT_EQ(run("unban bob").error().code(), proto::COMMAND_INVALID);
  EXPECT_TRUE(joined_client(network_, server_.endpoint(), "bob")->connected());
}

TEST_F(OperatorsTest, BanOfAnAddressRefusesConnectionsFromIt) {
  // Every test client comes from 127.0.0.1, so the console bans it (the operator goes too).
  const auto lines = server_.server().run_console_command("ban 127.0.0.1 10m load test");
  EXPECT_TRUE(has_line_containing(lines, "banned 127.0.0.1 until")) << lines.front();
  const auto kicked = boss_->wait_for(Envelope::kError);
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->error().code(), proto::BANNED);

  TestClient refused(network_, server_.endpoint());
  const auto error = refused.wait_for(Envelope::kError);
  ASSERT_TRUE(error) << "a connection from a banned address was served";
  EXPECT_EQ(error->error().code(), proto::BANNED);
  EXPECT_TRUE(refused.wait_closed());

  server_.server().run_console_command("unban 127.0.0.1");
  EXPECT_TRUE(joined_client(network_, server_.endpoint(), "back")->connected());
}

TEST_F(OperatorsTest, MutedUsersCannotSpeakUntilUnmuted) {
  auto bob = joined_client(network_, server_.endpoint(), "bob");
  ASSERT_TRUE(run("mute bob 30m calm down").has_operator_reply());
  const auto told = bob->wait_for(Envelope::kNotice);
  ASSERT_TRUE(told);
  EXPECT_NE(told->notice().text().find("you are muted by boss"), std::string::npos);

  bob->broadcast("lobby", "can you hear me", 1);
  auto error = bob->wait_for(Envelope::kError);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error().code(), proto::MUTED);
  EXPECT_NE(error->error().message().find("calm down"), std::string::npos);
  bob->whisper("boss", "psst", 2);
  error = bob->wait_for(Envelope::kError);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error().code(), proto::MUTED);
  EXPECT_TRUE(has_line_containing(lines_of(run("who")), "bob 127.0.0.1 guest muted"));

  ASSERT_TRUE(run("unmute bob").has_operator_reply());
  const auto freed = bob->wait_for(Envelope::kNotice);
  ASSERT_TRUE(freed) << "the unmute was not announced";
  EXPECT_EQ(freed->notice().text(), "you are no longer muted (by boss)");
  bob->broadcast("lobby", "back again", 3);
  const auto ack = bob->wait_for(Envelope::kAck);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack().client_msg_id(), 3u);
  const auto heard = boss_->wait_for(Envelope::kChatMessage);
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->chat_message().text(), "back again");
}

TEST_F(OperatorsTest, WhoAndRoomsListUsersAndRooms) {
  auto alice = joined_client(network_, server_.endpoint(), "alice");
  ASSERT_TRUE(alice->join_room("dev"));
  ASSERT_TRUE(alice->wait_for(Envelope::kUserList));
  const auto who = lines_of(run("who"));
  EXPECT_TRUE(has_line_containing(who, "2 users"));
  EXPECT_TRUE(has_line_containing(who, "alice 127.0.0.1 guest rooms: "));
  EXPECT_TRUE(
      has_line_containing(who, "boss 127.0.0.1 operator"));  // by --operator, as Welcome said
  const auto rooms = lines_of(run("rooms"));
  EXPECT_TRUE(has_line_containing(rooms, "2 rooms"));
  EXPECT_TRUE(has_line_containing(rooms, "dev members: 1"));
  EXPECT_TRUE(has_line_containing(rooms, "lobby members: 2"));
}

TEST_F(OperatorsTest, ConsoleGivesAndTakesTheOperatorRole) {
  register_account(network_, server_.endpoint(), "carol", kPassword);
  TestClient carol(network_, server_.endpoint());
  ASSERT_TRUE(carol.login("carol", kPassword).has_welcome());
  EXPECT_EQ(carol.operator_command("who").error().code(), proto::NOT_OPERATOR);
  EXPECT_TRUE(has_line_containing(server_.server().run_console_command("op carol"),
                                  "carol has the operator role"));
  EXPECT_TRUE(carol.operator_command("who").has_operator_reply());
  server_.server().run_console_command("deop carol");
  EXPECT_EQ(carol.operator_command("who").error().code(), proto::NOT_OPERATOR);
  EXPECT_TRUE(has_line_containing(server_.server().run_console_command("op nobody"), "error:"));
}

TEST_F(OperatorsTest, EveryActionIsAudited) {
  auto bob = joined_client(network_, server_.endpoint(), "bob");
  run("mute bob 5m");
  run("kick bob bye");
  run("kick nobody");
  const auto audit = server_.server().run_console_command("audit 10");
  EXPECT_TRUE(has_line_containing(audit, "boss 'mute bob 5m': muted bob until"));
  EXPECT_TRUE(has_line_containing(audit, "boss 'kick bob bye': kicked bob"));
  EXPECT_TRUE(has_line_containing(audit, "boss 'kick nobody': refused: nobody is called"));
}

TEST_F(OperatorsTest, ShutdownCallsTheHandlerWithTheReason) {
  std::string asked;
  // chat_server sets it before start(); here the console command runs it on this thread.
  server_.server().set_shutdown_handler([&](const std::string& reason) { asked = reason; });
  EXPECT_TRUE(has_line_containing(
      server_.server().run_console_command("shutdown back in five minutes"), "shutting down"));
  EXPECT_EQ(asked, "back in five minutes");
  server_.server().shutdown(asked);
  const auto notice = boss_->wait_for(Envelope::kNotice);
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->notice().kind(), proto::Notice::SHUTDOWN);
  EXPECT_EQ(notice->notice().text(), "server shutting down: back in five minutes");
}

TEST(OperatorStorageTest, BansRolesAndTheAuditLogSurviveARestart) {
  TempDatabase db;
  server::ServerConfig cfg = test_config();
  cfg.db_path = db.path();
  client::ClientNetwork network(2);
  {
    TestServer server(cfg);
    register_account(network, server.endpoint(), "dana", kPassword);
    server.server().run_console_command("op dana");
    server.server().run_console_command("ban mallory spam");
  }
  TestServer server(cfg);
  TestClient dana(network, server.endpoint());
  const Envelope welcome = dana.login("dana", kPassword);
  EXPECT_TRUE(welcome.welcome().is_operator()) << welcome.ShortDebugString();
  TestClient mallory(network, server.endpoint());
  EXPECT_EQ(mallory.join("mallory").error().code(), proto::BANNED);
  EXPECT_TRUE(has_line_containing(server.server().run_console_command("audit"),
                                  "console 'ban mallory spam': banned mallory until lifted"));
}

TEST(OperatorDurationTest, ParsesSecondsMinutesHoursDays) {
  EXPECT_EQ(server::parse_duration_ms("90s"), 90'000u);
  EXPECT_EQ(server::parse_duration_ms("10m"), 600'000u);
  EXPECT_EQ(server::parse_duration_ms("2h"), 7'200'000u);
  EXPECT_EQ(server::parse_duration_ms("7d"), 604'800'000u);
  EXPECT_FALSE(server::parse_duration_ms("0m"));
  EXPECT_FALSE(server::parse_duration_ms("10"));
  EXPECT_FALSE(server::parse_duration_ms("m"));
  EXPECT_FALSE(server::parse_duration_ms("10w"));
  EXPECT_FALSE(server::parse_duration_ms("spam"));
  EXPECT_FALSE(server::parse_duration_ms("99999999999d"));
}

// An --operator name nobody has registered would go to whoever registered it first, operator
// role included: the server refuses to start rather than hand it out.
TEST(OperatorStartTest, AnUnregisteredOperatorNameWithoutAPasswordStopsTheStart) {
  server::ServerConfig cfg = test_config();
  cfg.operators = {"ghost"};
  server::ChatServer refused(cfg);
  EXPECT_THROW(refused.start(), std::runtime_error);
  cfg.operator_password = [](const std::string&) { return std::optional<std::string>("short"); };
  server::ChatServer too_short(cfg);
  EXPECT_THROW(too_short.start(), std::runtime_error);
  cfg.operator_password = [](const std::string&) { return std::optional<std::string>(); };
  server::ChatServer none_given(cfg);
  EXPECT_THROW(none_given.start(), std::runtime_error);
}

TEST(OperatorStartTest, ThePasswordGivenAtStartRegistersTheNameSoNoGuestCanTakeIt) {
  server::ServerConfig cfg = test_config();
  cfg.operators = {"ghost"};
  std::vector<std::string> asked;
  cfg.operator_password = [&](const std::string& name) {
    asked.push_back(name);
    return std::optional<std::string>(kPassword);
  };
  TestServer server(cfg);
  EXPECT_EQ(asked, std::vector<std::string>{"ghost"});
  client::ClientNetwork network(2);
  TestClient guest(network, server.endpoint());
  EXPECT_EQ(guest.join("ghost").error().code(), proto::NICKNAME_REGISTERED);
  TestClient ghost(network, server.endpoint());
  EXPECT_TRUE(ghost.login("ghost", kPassword).welcome().is_operator());
}

}  // namespace
}  // namespace chat::testing
