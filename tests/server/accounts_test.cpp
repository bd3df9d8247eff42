// Accounts: registering a nickname, logging in with its password, the refusals (guest on a
// registered name, wrong password, throttling per nickname and address, registration limits),
// requests sent behind a login waiting for it, a connection that leaves while its password is
// checked, and accounts surviving a restart. 127.0.0.2, 127.0.0.3 ... stand for distinct hosts.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "support/temp_database.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

constexpr const char* kPassword = "correct horse";

Envelope join_request(const std::string& nick, const std::string& password) {
  Envelope env;
  env.mutable_join()->set_nickname(nick);
  env.mutable_join()->set_password(password);
  return env;
}

server::ServerConfig accounts_config() {
  server::ServerConfig cfg = test_config_for_accounts();
  cfg.auth_threads = 2;  // the pool as on a machine with cores to spare
  return cfg;
}

// Asks again while the answer is Error(`code`), pausing 25 ms between tries as a client told
// to try again later would (a pace, not a synchronisation), for at most kWait; the last answer.
Envelope ask_while_refused(const std::function<Envelope()>& ask, proto::ErrorCode code) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  Envelope reply = ask();
  while (reply.has_error() && reply.error().code() == code &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    reply = ask();
  }
  return reply;
}

class AccountsTest : public ::testing::Test {
 protected:
  client::ClientNetwork network_{2};
  TestServer server_{accounts_config()};
};

TEST_F(AccountsTest, ARegisteredNicknameNeedsItsPasswordFromThenOn) {
  register_account(network_, server_.endpoint(), "alice", kPassword);

  TestClient guest(network_, server_.endpoint());
  const Envelope refused = guest.login("ALICE", "");
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), proto::NICKNAME_REGISTERED);
  EXPECT_FALSE(refused.error().fatal());

  const Envelope wrong = guest.login("alice", "wrong password");
  ASSERT_TRUE(wrong.has_error());
  EXPECT_EQ(wrong.error().code(), proto::LOGIN_FAILED);

  const Envelope welcome = guest.login("Alice", kPassword);  // the same connection may retry
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  EXPECT_TRUE(welcome.welcome().registered());
  EXPECT_FALSE(welcome.welcome().is_operator());
  EXPECT_EQ(welcome.welcome().nickname(), "alice") << "not as it was registered";
}

TEST_F(AccountsTest, ALoginInAnyCaseIsNamedAsTheNicknameWasRegistered) {
  register_account(network_, server_.endpoint(), "Grace", kPassword);
  auto watcher = joined_client(network_, server_.endpoint(), "watcher");
  TestClient grace(network_, server_.endpoint());
  const Envelope welcome = grace.login("gRACE", kPassword);
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  EXPECT_EQ(welcome.welcome().nickname(), "Grace");
  const auto joined = watcher->wait_for(Envelope::kPresence);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->presence().nickname(), "Grace");
  ASSERT_TRUE(grace.broadcast("lobby", "hello", 1));
  const auto heard = watcher->wait_for(Envelope::kChatMessage);
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->chat_message().from(), "Grace");
}

TEST_F(AccountsTest, APasswordForAnUnregisteredNicknameIsRefused) {
  TestClient c(network_, server_.endpoint());
  const Envelope reply = c.login("nobody", kPassword);
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().code(), proto::LOGIN_FAILED);
  EXPECT_NE(reply.error().message().find("not registered"), std::string::npos);
  EXPECT_TRUE(c.join("nobody").has_welcome());  // as a guest it is free
}

TEST_F(AccountsTest, RegisterRefusesBadPasswordsAndSecondRegistrations) {
  TestClient before(network_, server_.endpoint());
  Envelope early;
  early.mutable_register_nickname()->set_password(kPassword);
  before.send(early);
  auto not_joined = before.wait_for(Envelope::kError);
  ASSERT_TRUE(not_joined);
  EXPECT_EQ(not_joined->error().code(), proto::NOT_JOINED);

  auto c = joined_client(network_, server_.endpoint(), "bob");
  EXPECT_EQ(c->register_nickname("short").error().code(), proto::PASSWORD_INVALID);
  EXPECT_EQ(c->register_nickname(std::string(129, 'x')).error().code(), proto::PASSWORD_INVALID);
  ASSERT_TRUE(c->register_nickname(kPassword).has_registered());
  EXPECT_EQ(c->register_nickname("another password").error().code(), proto::ALREADY_REGISTERED);
}

TEST_F(AccountsTest, AGuesserShutsItsOwnAddressOutNotTheOwner) {
  register_account(network_, server_.endpoint(), "carol", kPassword);
  TestClient guesser(network_, server_.endpoint(), loopback_host(2));
  ASSERT_TRUE(guesser.connected()) << guesser.connect_error();
  // Three free failures, and a fourth that shuts the pair (carol, 127.0.0.2); then refused
  // unchecked.
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(guesser.login("carol", "guess " + std::to_string(i)).error().code(),
              i < 4 ? proto::LOGIN_FAILED : proto::LOGIN_THROTTLED)
        << i;
  }
  // From there even the right password waits: the guesser cannot tell it was right.
  const Envelope throttled = guesser.login("carol", kPassword);
  ASSERT_TRUE(throttled.has_error());
  EXPECT_EQ(throttled.error().code(), proto::LOGIN_THROTTLED);
  EXPECT_NE(throttled.error().message().find("try again in"), std::string::npos);
  // The owner, from another address, is let in.
  TestClient owner(network_, server_.endpoint(), loopback_host(3));
  const Envelope welcome = owner.login("carol", kPassword);
  EXPECT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
}

TEST_F(AccountsTest, SomeoneBehindAGuessingAddressLogsInAtOnce) {
  for (int n = 0; n < 8; ++n) {
    register_account(network_, server_.endpoint(), "user" + std::to_string(n), kPassword);
  }
  TestClient guesser(network_, server_.endpoint(), loopback_host(2));
  ASSERT_TRUE(guesser.connected()) << guesser.connect_error();
  // 4 guesses at each of 6 nicknames: past the 20 failures that make an address guessing (they
  // drain, one an hour here), after which a nickname's first failure shuts it.
  int failures = 0;
  for (int n = 0; n < 6; ++n) {
    for (int i = 0; i < 4; ++i) {
      const auto code = guesser.login("user" + std::to_string(n), "guess").error().code();
      EXPECT_TRUE(code == proto::LOGIN_FAILED || code == proto::LOGIN_THROTTLED) << code;
      failures += code == proto::LOGIN_FAILED ? 1 : 0;
    }
  }
  ASSERT_GT(failures, 20);
  // user6's owner shares the address (a NAT, a campus): the right password gets in at once.
  TestClient neighbour(network_, server_.endpoint(), loopback_host(2));
  const Envelope welcome = neighbour.login("user6", kPassword);
  EXPECT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  // The guesser's next nickname from there has no free failures: the first shuts it.
  EXPECT_EQ(guesser.login("user7", "guess").error().code(), proto::LOGIN_FAILED);
  EXPECT_EQ(guesser.login("user7", "guess").error().code(), proto::LOGIN_THROTTLED);
}

TEST(AccountsDelayTest, AShutPairIsLetThroughAgainOnceItsDelayHasPassed) {
  server::ServerConfig cfg = test_config();
  cfg.login_limits.free_failures = 1;
  cfg.login_limits.first_delay = std::chrono::milliseconds(50);
  cfg.login_limits.max_delay = std::chrono::milliseconds(200);
  TestServer server(cfg);
  client::ClientNetwork network(2);
  register_account(network, server.endpoint(), "judy", kPassword);
  TestClient c(network, server.endpoint(), loopback_host(2));
  ASSERT_TRUE(c.connected()) << c.connect_error();
  const auto until_not_throttled = [&](const std::string& password) {
    return ask_while_refused([&] { return c.login("judy", password); }, proto::LOGIN_THROTTLED);
  };
  for (int i = 0; i < 8; ++i) {  // the delays grow to the 200 ms cap and stay there
    EXPECT_EQ(until_not_throttled("guess").error().code(), proto::LOGIN_FAILED) << i;
  }
  const Envelope welcome = until_not_throttled(kPassword);
  EXPECT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
}

TEST_F(AccountsTest, RequestsSentBehindALoginWaitForItAndKeepTheirOrder) {
  register_account(network_, server_.endpoint(), "dave", kPassword);
  auto listener = joined_client(network_, server_.endpoint(), "erin");
  ASSERT_TRUE(listener->join_room("dev"));
  ASSERT_TRUE(listener->wait_for(Envelope::kUserList));

  TestClient c(network_, server_.endpoint());
  // One write: the Join, then requests that only a joined session may make.
  Envelope join = join_request("dave", kPassword);
  join.set_request_id(1);
  Envelope room;
  room.set_request_id(2);
  room.mutable_join_room()->set_room("dev");
  Envelope say;
  say.set_request_id(3);
  say.mutable_broadcast()->set_room("dev");
  say.mutable_broadcast()->set_text("hello after login");
  say.mutable_broadcast()->set_client_msg_id(7);
  ASSERT_TRUE(c.send_raw(frame_bytes(join.SerializeAsString()) +
                         frame_bytes(room.SerializeAsString()) +
                         frame_bytes(say.SerializeAsString())));
  ASSERT_TRUE(c.wait_for(Envelope::kWelcome));
  const auto ack = c.wait_for(Envelope::kAck);
  ASSERT_TRUE(ack) << "the Broadcast held behind the login was not answered";
  EXPECT_EQ(ack->ack().client_msg_id(), 7u);
  for (const Envelope& e : c.take_all()) {
    EXPECT_FALSE(e.has_error()) << e.ShortDebugString();
  }
  const auto heard = listener->wait_for(Envelope::kChatMessage);
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->chat_message().text(), "hello after login");
}

TEST_F(AccountsTest, LeavingWhileThePasswordIsCheckedHarmsNobody) {
  register_account(network_, server_.endpoint(), "frank", kPassword);
  for (int i = 0; i < 20; ++i) {
    TestClient c(network_, server_.endpoint());
    ASSERT_TRUE(c.connected());
    c.send(join_request("frank", kPassword));
    c.close();  // while (or before) the auth thread checks it, or just after it took the name
  }
  TestClient last(network_, server_.endpoint());
  const Envelope welcome = last.login("frank", kPassword);
  EXPECT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
}

TEST_F(AccountsTest, ALoginTakesItsNicknameBackFromAnOlderConnection) {
  register_account(network_, server_.endpoint(), "heidi", kPassword);
  TestClient old_connection(network_, server_.endpoint());
  ASSERT_TRUE(old_connection.login("heidi", kPassword).has_welcome());
  ASSERT_TRUE(old_connection.wait_for(Envelope::kUserList));
  auto watcher = joined_client(network_, server_.endpoint(), "watcher");

  TestClient again(network_, server_.endpoint());
  const Envelope welcome = again.login("heidi", kPassword);
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  // The lobby hears the old connection leave before the new one joins, and lists heidi once.
  const auto list = again.wait_for(Envelope::kUserList);
  ASSERT_TRUE(list);
  EXPECT_EQ(
      std::count(list->user_list().members().begin(), list->user_list().members().end(), "heidi"),
      1)
      << list->ShortDebugString();
  const auto presence = watcher->wait_count([](const Envelope& e) { return e.has_presence(); }, 2);
  ASSERT_EQ(presence.size(), 2u);
  EXPECT_EQ(presence[0].presence().kind(), proto::Presence::LEFT);
  EXPECT_EQ(presence[0].presence().reason(), "disconnect: logged in again from another connection");
  EXPECT_EQ(presence[1].presence().kind(), proto::Presence::JOINED);
  EXPECT_EQ(presence[1].presence().nickname(), "heidi");
  const auto error = old_connection.wait_for(Envelope::kError);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error().code(), proto::KICKED);
  EXPECT_TRUE(error->error().fatal());
  EXPECT_TRUE(old_connection.wait_closed());
  // Whispers reach the new connection.
  auto ivan = joined_client(network_, server_.endpoint(), "ivan");
  ivan->whisper("heidi", "are you there", 1);
  const auto heard = again.wait_for(Envelope::kChatMessage);
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->chat_message().text(), "are you there");
}

// Registrations, with 127.0.0.x counted as addresses and only the registration limits at play.
server::ServerConfig registration_config(unsigned per_address, unsigned in_all) {
  server::ServerConfig cfg = test_config();
  cfg.limit_loopback = true;
  cfg.max_connections_per_ip = 0;
  cfg.connects_per_ip_per_s = 0;
  cfg.registration_limits.per_address = per_address;
  cfg.registration_limits.in_all = in_all;
  return cfg;
}

// Joins `nick` as a guest from `from` and asks to register it: the Registered or the Error.
Envelope register_from(client::ClientNetwork& network, const net::Endpoint& server,
                       const net::Endpoint& from, const std::string& nick) {
  TestClient c(network, server, from);
  EXPECT_TRUE(c.connected()) << c.connect_error();
  EXPECT_TRUE(c.join(nick).has_welcome()) << nick;
  return c.register_nickname(kPassword);
}

TEST(RegistrationLimitsTest, PerAddress) {
  TestServer server(registration_config(2, 0));
  client::ClientNetwork network(2);
  EXPECT_TRUE(register_from(network, server.endpoint(), loopback_host(2), "a1").has_registered());
  EXPECT_TRUE(register_from(network, server.endpoint(), loopback_host(2), "a2").has_registered());
  const Envelope refused = register_from(network, server.endpoint(), loopback_host(2), "a3");
  ASSERT_TRUE(refused.has_error()) << refused.ShortDebugString();
  EXPECT_EQ(refused.error().code(), proto::REGISTRATION_LIMITED);
  EXPECT_FALSE(refused.error().fatal());
  EXPECT_NE(refused.error().message().find("from your address"), std::string::npos);
  EXPECT_NE(refused.error().message().find("try again in"), std::string::npos);
  EXPECT_TRUE(register_from(network, server.endpoint(), loopback_host(3), "b1").has_registered());
  // The refused nickname stayed free: a login to it finds no account.
  TestClient c(network, server.endpoint(), loopback_host(4));
  EXPECT_EQ(c.login("a3", kPassword).error().code(), proto::LOGIN_FAILED);
}

TEST(RegistrationLimitsTest, InAll) {
  TestServer server(registration_config(0, 3));
  client::ClientNetwork network(2);
  for (int n = 0; n < 3; ++n) {
    EXPECT_TRUE(
        register_from(network, server.endpoint(), loopback_host(2 + n), "c" + std::to_string(n))
            .has_registered());
  }
  const Envelope refused = register_from(network, server.endpoint(), loopback_host(9), "c9");
  ASSERT_TRUE(refused.has_error()) << refused.ShortDebugString();
  EXPECT_EQ(refused.error().code(), proto::REGISTRATION_LIMITED);
  EXPECT_NE(refused.error().message().find("on this server"), std::string::npos);
}

TEST(RegistrationLimitsTest, LoopbackIsSparedThePerAddressLimitUnlessLimitLoopback) {
  server::ServerConfig cfg = registration_config(1, 0);
  cfg.limit_loopback = false;  // the default: a local proxy's users all come from loopback
  TestServer server(cfg);
  client::ClientNetwork network(2);
  for (int n = 0; n < 3; ++n) {
    EXPECT_TRUE(register_from(network, server.endpoint(), loopback_host(2), "d" + std::to_string(n))
                    .has_registered());
  }
}

TEST(RegistrationLimitsTest, ARefusedRegistrationGoesThroughOnceTheLimitHasDrained) {
  server::ServerConfig cfg = registration_config(1, 0);
  cfg.registration_limits.period = std::chrono::milliseconds(300);
  TestServer server(cfg);
  client::ClientNetwork network(2);
  EXPECT_TRUE(register_from(network, server.endpoint(), loopback_host(2), "e1").has_registered());
  TestClient c(network, server.endpoint(), loopback_host(2));
  ASSERT_TRUE(c.join("e2").has_welcome());
  const Envelope reply = ask_while_refused([&] { return c.register_nickname(kPassword); },
                                           proto::REGISTRATION_LIMITED);
  EXPECT_TRUE(reply.has_registered()) << reply.ShortDebugString();
}

TEST(AccountsStorageTest, AccountsSurviveARestart) {
  TempDatabase db;
  server::ServerConfig cfg = test_config();
  cfg.db_path = db.path();
  client::ClientNetwork network(2);
  {
    TestServer server(cfg);
    register_account(network, server.endpoint(), "grace", kPassword);
  }
  TestServer server(cfg);
  TestClient c(network, server.endpoint());
  EXPECT_EQ(c.login("grace", "").error().code(), proto::NICKNAME_REGISTERED);
  EXPECT_TRUE(c.login("grace", kPassword).has_welcome());
}

}  // namespace
}  // namespace chat::testing
