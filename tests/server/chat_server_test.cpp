// Loopback integration: real sockets, the real server, clients on the real client core.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "net/frame_decoder.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

bool is_chat(const Envelope& e) {
  return e.has_chat_message();
}
bool is_ack(const Envelope& e) {
  return e.has_ack();
}
// The codes of the next `n` Errors `c` receives, in order (fewer if they do not come).
std::vector<proto::ErrorCode> error_codes(TestClient& c, std::size_t n) {
  std::vector<proto::ErrorCode> codes;
  for (const Envelope& e : c.wait_count([](const Envelope& x) { return x.has_error(); }, n)) {
    codes.push_back(e.error().code());
  }
  return codes;
}

class ChatServerTest : public ::testing::Test {
 protected:
  std::unique_ptr<TestClient> joined(const std::string& nick) {
    auto c = std::make_unique<TestClient>(network_, server_.endpoint());
    EXPECT_TRUE(c->connected()) << nick << ": " << c->connect_error();
    const Envelope reply = c->join(nick);
    EXPECT_TRUE(reply.has_welcome()) << nick << ": " << reply.ShortDebugString();
    return c;
  }

  TestServer server_;
  client::ClientNetwork network_{2, 256, testing::test_io_backend()};
};

TEST_F(ChatServerTest, JoinGetsWelcomeThenLobbySnapshot) {
  TestClient alice(network_, server_.endpoint());
  ASSERT_TRUE(alice.connected()) << alice.connect_error();
  Envelope join;
  join.set_request_id(42);
  join.mutable_join()->set_nickname("alice");
  alice.send(join);
  const auto welcome = alice.wait_for(Envelope::kWelcome);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->request_id(), 42u);
  EXPECT_EQ(welcome->welcome().nickname(), "alice");
  ASSERT_EQ(welcome->welcome().rooms_size(), 1);
  EXPECT_EQ(welcome->welcome().rooms(0), "lobby");
  EXPECT_EQ(welcome->welcome().protocol_version(), 1u);
  EXPECT_EQ(welcome->welcome().limits().max_text_bytes(), 4096u);
  EXPECT_EQ(welcome->welcome().limits().max_frame_bytes(), 65536u);
  const auto list = alice.wait_for(Envelope::kUserList);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->user_list().room(), "lobby");
  EXPECT_EQ(std::vector<std::string>(list->user_list().members().begin(),
                                     list->user_list().members().end()),
            std::vector<std::string>{"alice"});
}

TEST_F(ChatServerTest, SkipLobbyStartsInNoRoomAndNobodyIsTold) {
  auto alice = joined("alice");
  alice->take_all();
  TestClient bot(network_, server_.endpoint());
  ASSERT_TRUE(bot.connected()) << bot.connect_error();
  Envelope join;
  join.mutable_join()->set_nickname("bot1");
  join.mutable_join()->set_skip_lobby(true);
  bot.send(join);
  const auto welcome = bot.wait_for(Envelope::kWelcome);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->welcome().rooms_size(), 0);
  // In no room: a broadcast to the lobby is refused; joining a room works as usual.
  ASSERT_TRUE(bot.broadcast("lobby", "hello?", 1));
  const auto refused = bot.wait_for(Envelope::kError);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->error().code(), proto::NOT_IN_ROOM);
  ASSERT_TRUE(bot.join_room("lobby"));
  const auto list = bot.wait_for(Envelope::kUserList);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->user_list().members_size(), 2);
  // alice heard of bot1 only when it joined the lobby itself, once.
  const auto presences = alice->wait_count([](const Envelope& e) { return e.has_presence(); }, 1);
  ASSERT_EQ(presences.size(), 1u);
  EXPECT_EQ(presences[0].presence().kind(), proto::Presence::JOINED);
  EXPECT_FALSE(alice->wait_for([](const Envelope& e) { return e.has_presence(); },
                               std::chrono::milliseconds(0)));
}

// Every broadcast reaches every other member exactly once, in sender order; senders get Acks.
void check_fanout(ChatServerTest& fixture, std::vector<std::unique_ptr<TestClient>>& clients,
                  int messages_each) {
  const int n = static_cast<int>(clients.size());
  for (int m = 0; m < messages_each; ++m) {
    for (int c = 0; c < n; ++c) {
      ASSERT_TRUE(clients[c]->broadcast("lobby", "u" + std::to_string(c) + " m" + std::to_string(m),
                                        static_cast<std::uint64_t>(m + 1)));
    }
  }
  for (int c = 0; c < n; ++c) {
    const auto acks = clients[c]->wait_count(is_ack, messages_each);
    ASSERT_EQ(acks.size(), static_cast<std::size_t>(messages_each)) << "client " << c;
    for (int m = 0; m < messages_each; ++m) {
      EXPECT_EQ(acks[m].ack().client_msg_id(), static_cast<std::uint64_t>(m + 1));
      EXPECT_EQ(acks[m].ack().room(), "lobby");
      EXPECT_GT(acks[m].ack().seq(), 0u);
    }
    const auto chats = clients[c]->wait_count(is_chat, (n - 1) * messages_each);
    ASSERT_EQ(chats.size(), static_cast<std::size_t>((n - 1) * messages_each)) << "client " << c;
    std::map<std::string, int> next_from;  // sender -> next expected message index
    std::uint64_t last_seq = 0;
    for (const Envelope& e : chats) {
      const auto& msg = e.chat_message();
      EXPECT_NE(msg.from(), "u" + std::to_string(c)) << "a sender got its own message";
      EXPECT_EQ(msg.room(), "lobby");
      EXPECT_GT(msg.seq(), last_seq) << "room order is the order of seq";
      last_seq = msg.seq();
      int& expected = next_from[msg.from()];
      EXPECT_EQ(msg.text(), msg.from() + " m" + std::to_string(expected)) << "per-sender order";
      ++expected;
    }
    EXPECT_EQ(next_from.size(), static_cast<std::size_t>(n - 1));
  }
  (void)fixture;
}

TEST_F(ChatServerTest, BroadcastWithTwoClients) {
  std::vector<std::unique_ptr<TestClient>> clients;
  clients.push_back(joined("u0"));
  clients.push_back(joined("u1"));
  clients[0]->take_all();
  check_fanout(*this, clients, 100);
}

// A connect can complete on a worker before connect() has returned to its caller; each of these
// must still see its own completion (it once lost the race and waited out its timeout).
TEST_F(ChatServerTest, ManyConnectsInARowAllComplete) {
  for (int i = 0; i < 300; ++i) {
    TestClient c(network_, server_.endpoint());
    ASSERT_TRUE(c.connected()) << "connect " << i << ": " << c.connect_error();
  }
}

TEST_F(ChatServerTest, BroadcastWithFiftyClients) {
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(joined("u" + std::to_string(i)));
  }
  for (auto& c : clients) {
    c->take_all();  // presence of those who joined later
  }
  check_fanout(*this, clients, 10);
}

TEST_F(ChatServerTest, WhisperReachesOnlyItsTarget) {
  auto alice = joined("alice");
  auto bob = joined("bob");
  auto carol = joined("carol");
  ASSERT_TRUE(alice->whisper("BOB", "psst", 7));
  const auto ack = alice->wait_for(Envelope::kAck);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack().client_msg_id(), 7u);
  EXPECT_EQ(ack->ack().seq(), 0u);
  const auto got = bob->wait_for(is_chat);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->chat_message().whisper());
  EXPECT_EQ(got->chat_message().from(), "alice");
  EXPECT_EQ(got->chat_message().to(), "bob");
  EXPECT_EQ(got->chat_message().text(), "psst");
  // carol gets nothing: a later broadcast is the first chat she sees.
  ASSERT_TRUE(alice->broadcast("lobby", "public", 8));
  const auto first = carol->wait_for(is_chat);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->chat_message().text(), "public");
  EXPECT_FALSE(first->chat_message().whisper());
}

TEST_F(ChatServerTest, WhisperToUnknownNameIsAnError) {
  auto alice = joined("alice");
  ASSERT_TRUE(alice->whisper("nobody", "hello?", 1));
  const auto err = alice->wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::WHISPER_TARGET_UNKNOWN);
  EXPECT_EQ(err->error().request(), "whisper");
  EXPECT_FALSE(err->error().fatal());
}

TEST_F(ChatServerTest, WhisperChecksTheRecipientBeforeTheTextAsTheFieldsComeAndBroadcastTheRoom) {
  auto alice = joined("alice");
  auto bob = joined("bob");
  ASSERT_TRUE(alice->whisper("nobody", "", 1));
  ASSERT_TRUE(alice->whisper("nobody", std::string(4097, 'x'), 2));
  ASSERT_TRUE(alice->whisper("bob", "", 3));
  ASSERT_TRUE(alice->broadcast("nowhere", "", 4));
  EXPECT_EQ(error_codes(*alice, 4),
            (std::vector{proto::WHISPER_TARGET_UNKNOWN, proto::WHISPER_TARGET_UNKNOWN,
                         proto::TEXT_EMPTY, proto::NOT_IN_ROOM}));
}

TEST_F(ChatServerTest, DuplicateNicknameInAnyCaseIsRefusedAndRetryWorks) {
  auto first = joined("Alice");
  TestClient second(network_, server_.endpoint());
  ASSERT_TRUE(second.connected()) << second.connect_error();
  const Envelope refused = second.join("aLICE");
  ASSERT_TRUE(refused.has_error()) << refused.ShortDebugString();
  EXPECT_EQ(refused.error().code(), proto::NICKNAME_TAKEN);
  EXPECT_EQ(refused.error().request(), "join");
  const Envelope accepted = second.join("alice2");
  ASSERT_TRUE(accepted.has_welcome()) << accepted.ShortDebugString();
  EXPECT_EQ(accepted.welcome().nickname(), "alice2");
}

TEST_F(ChatServerTest, NamesFoldBeyondAsciiInJoinsWhispersAndRooms) {
  auto emile = joined("\xc3\x89mile");  // Émile
  TestClient twin(network_, server_.endpoint());
  ASSERT_TRUE(twin.connected()) << twin.connect_error();
  const Envelope refused = twin.join("\xc3\xa9MILE");  // éMILE
  ASSERT_TRUE(refused.has_error()) << refused.ShortDebugString();
  EXPECT_EQ(refused.error().code(), proto::NICKNAME_TAKEN);
  ASSERT_TRUE(twin.join("zo\xc3\xab").has_welcome());         // zoë
  ASSERT_TRUE(twin.whisper("\xc3\xa9mile", "found you", 1));  // émile
  const auto whisper = emile->wait_for(Envelope::kChatMessage);
  ASSERT_TRUE(whisper);
  EXPECT_EQ(whisper->chat_message().text(), "found you");
  // Rooms fold alike: ΚΑΦΕ and καφε are one room.
  ASSERT_TRUE(emile->join_room("\xce\x9a\xce\x91\xce\xa6\xce\x95"));
  ASSERT_TRUE(emile->wait_for(Envelope::kUserList));
  ASSERT_TRUE(twin.join_room("\xce\xba\xce\xb1\xcf\x86\xce\xb5"));
  const auto list = twin.wait_for(Envelope::kUserList);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->user_list().members_size(), 2) << list->ShortDebugString();
}

TEST_F(ChatServerTest, InvalidNicknamesAreRefused) {
  TestClient c(network_, server_.endpoint());
  ASSERT_TRUE(c.connected()) << c.connect_error();
  for (const std::string& bad :
       {std::string(), std::string(33, 'x'), std::string("two words"), std::string("tab\there"),
        std::string("bell\x07"), std::string("nb\xc2\xa0sp"), std::string("zero\xe2\x80\x8bw")}) {
    const Envelope reply = c.join(bad);
    ASSERT_TRUE(reply.has_error()) << "'" << bad << "' was accepted";
    EXPECT_EQ(reply.error().code(), proto::NICKNAME_INVALID) << bad;
  }
  // Invalid UTF-8 cannot be built through protobuf's API; write the frame by hand:
  // Envelope{request_id: 9, join: {nickname: "\xff\xfe"}}.
  const std::string join_body = std::string("\x0a\x02\xff\xfe", 4);
  const std::string body = std::string("\x08\x09", 2) + "\x52" + char(join_body.size()) + join_body;
  ASSERT_TRUE(c.send_raw(frame_bytes(body)));
  const auto err = c.wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::NICKNAME_INVALID);
  EXPECT_EQ(err->request_id(), 9u);
  EXPECT_EQ(err->error().request(), "join");
  EXPECT_FALSE(err->error().fatal());
  // A 32-byte multibyte name is fine, and the connection still works.
  const Envelope ok = c.join(
      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
  EXPECT_TRUE(ok.has_welcome()) << ok.ShortDebugString();
}

TEST_F(ChatServerTest, RequestsBeforeJoinAreRefusedButPingWorks) {
  TestClient c(network_, server_.endpoint());
  ASSERT_TRUE(c.connected()) << c.connect_error();
  ASSERT_TRUE(c.broadcast("lobby", "too early", 1));
  const auto err = c.wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::NOT_JOINED);
  Envelope ping;
  ping.mutable_ping()->set_nonce(1234);
  ASSERT_TRUE(c.send(ping));
  const auto pong = c.wait_for(Envelope::kPong);
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->pong().nonce(), 1234u);
  EXPECT_GT(pong->pong().server_time_ms(), 0u);
}

TEST_F(ChatServerTest, EchoAndSecondJoin) {
  auto alice = joined("alice");
  Envelope echo;
  echo.set_request_id(77);
  echo.mutable_echo()->set_text("h\xc3\xa9llo");
  ASSERT_TRUE(alice->send(echo));
  const auto reply = alice->wait_for(Envelope::kEchoReply);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->request_id(), 77u);
  EXPECT_EQ(reply->echo_reply().text(), "h\xc3\xa9llo");
  const Envelope again = alice->join("alice-again");
  ASSERT_TRUE(again.has_error());
  EXPECT_EQ(again.error().code(), proto::ALREADY_JOINED);
}

TEST_F(ChatServerTest, TextRulesAreEnforced) {
  auto alice = joined("alice");
  auto bob = joined("bob");
  ASSERT_TRUE(alice->broadcast("lobby", "", 1));
  ASSERT_TRUE(alice->broadcast("lobby", std::string(4097, 'x'), 2));
  ASSERT_TRUE(alice->broadcast("nowhere", "hi", 3));
  ASSERT_TRUE(alice->broadcast("lobby", std::string(4096, 'y'), 4));
  EXPECT_EQ(error_codes(*alice, 3),
            (std::vector{proto::TEXT_EMPTY, proto::TEXT_TOO_LONG, proto::NOT_IN_ROOM}));
  const auto ack = alice->wait_for(Envelope::kAck);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack().client_msg_id(), 4u);
  const auto got = bob->wait_for(is_chat);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->chat_message().text().size(), 4096u);
}

TEST_F(ChatServerTest, RoomsIsolateTraffic) {
  auto alice = joined("alice");
  auto bob = joined("bob");
  auto carol = joined("carol");
  ASSERT_TRUE(alice->join_room("games"));
  ASSERT_TRUE(alice->wait_for(Envelope::kUserList));  // alice created it: her spelling stays
  ASSERT_TRUE(bob->join_room("GAMES"));               // room names compare case-insensitively
  const auto bob_list = bob->wait_for(Envelope::kUserList);
  ASSERT_TRUE(bob_list);
  EXPECT_EQ(bob_list->user_list().room(), "games");
  EXPECT_EQ(bob_list->user_list().members_size(), 2);
  ASSERT_TRUE(alice->broadcast("games", "in games", 1));
  ASSERT_TRUE(alice->broadcast("lobby", "in lobby", 2));
  const auto bob_chats = bob->wait_count(is_chat, 2);
  ASSERT_EQ(bob_chats.size(), 2u);
  EXPECT_EQ(bob_chats[0].chat_message().room(), "games");
  EXPECT_EQ(bob_chats[1].chat_message().room(), "lobby");
  const auto carol_chat = carol->wait_for(is_chat);
  ASSERT_TRUE(carol_chat);
  EXPECT_EQ(carol_chat->chat_message().text(), "in lobby");
  // carol is not in games and cannot post there.
  ASSERT_TRUE(carol->broadcast("games", "let me in", 3));
  const auto err = carol->wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::NOT_IN_ROOM);
}

TEST_F(ChatServerTest, UserListAndPresenceFollowJoinsLeavesAndDisconnects) {
  auto alice = joined("alice");
  auto bob = joined("bob");
  auto joined_bob = alice->wait_for(Envelope::kPresence);
  ASSERT_TRUE(joined_bob);
  EXPECT_EQ(joined_bob->presence().kind(), proto::Presence::JOINED);
  EXPECT_EQ(joined_bob->presence().nickname(), "bob");

  ASSERT_TRUE(bob->leave_room("lobby"));
  const auto self_left = bob->wait_for(Envelope::kPresence);
  ASSERT_TRUE(self_left);
  EXPECT_EQ(self_left->presence().nickname(), "bob");
  EXPECT_EQ(self_left->presence().kind(), proto::Presence::LEFT);
  EXPECT_NE(self_left->request_id(), 0u);
  const auto left = alice->wait_for(Envelope::kPresence);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().kind(), proto::Presence::LEFT);
  EXPECT_EQ(left->presence().reason(), "leave");

  {
    auto carol = joined("carol");
    ASSERT_TRUE(alice->wait_for(Envelope::kPresence));  // carol joined
    alice->request_users("lobby");
    const auto list = alice->wait_for(Envelope::kUserList);
    ASSERT_TRUE(list);
    EXPECT_EQ(std::vector<std::string>(list->user_list().members().begin(),
                                       list->user_list().members().end()),
              (std::vector<std::string>{"alice", "carol"}));
    carol->close();  // abrupt: no Quit
  }
  const auto gone = alice->wait_for(Envelope::kPresence);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->presence().nickname(), "carol");
  EXPECT_EQ(gone->presence().kind(), proto::Presence::LEFT);
  EXPECT_EQ(gone->presence().reason().rfind("disconnect:", 0), 0u) << gone->presence().reason();
  alice->request_users("lobby");
  const auto after = alice->wait_for(Envelope::kUserList);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->user_list().members_size(), 1);
  // The nickname is free again.
  auto carol2 = joined("carol");
  EXPECT_TRUE(carol2);
}

TEST_F(ChatServerTest, QuitTellsTheRoomAndClosesTheConnection) {
  auto alice = joined("alice");
  auto bob = joined("bob");
  Envelope quit;
  quit.mutable_quit()->set_reason("bye all");
  ASSERT_TRUE(bob->send(quit));
  EXPECT_TRUE(bob->wait_closed());
  const auto left = alice->wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().reason(), "quit: bye all");
}

TEST_F(ChatServerTest, UnknownRoomAndUnknownMessage) {
  auto alice = joined("alice");
  alice->request_users("no-such-room");
  const auto err = alice->wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::UNKNOWN_ROOM);
  // A server-to-client body sent by a client.
  Envelope wrong;
  wrong.mutable_ack();
  ASSERT_TRUE(alice->send(wrong));
  // An empty frame (no body), and a body field number the server does not know (field 49).
  ASSERT_TRUE(alice->send_raw(frame_bytes("")));
  ASSERT_TRUE(alice->send_raw(frame_bytes(std::string("\x8a\x03\x00", 3))));
  const auto errors = alice->wait_count([](const Envelope& e) { return e.has_error(); }, 3);
  ASSERT_EQ(errors.size(), 3u);
  for (const Envelope& e : errors) {
    EXPECT_EQ(e.error().code(), proto::UNKNOWN_MESSAGE);
    EXPECT_FALSE(e.error().fatal());
  }
  Envelope echo;
  echo.mutable_echo()->set_text("still here");
  ASSERT_TRUE(alice->send(echo));
  EXPECT_TRUE(alice->wait_for(Envelope::kEchoReply));
}

// Envelope{request_id, <body field>: <inner bytes>} built by hand, for bytes protobuf's API
// refuses to produce (invalid UTF-8).
std::string raw_request(std::uint8_t request_id, int body_field, const std::string& inner) {
  auto varint = [](std::uint32_t v) {
    std::byte out[net::kMaxVarint32Bytes];
    return std::string(reinterpret_cast<const char*>(out), net::write_varint32(v, out));
  };
  const std::uint32_t tag = (static_cast<std::uint32_t>(body_field) << 3) | 2;  // length-delimited
  return frame_bytes(std::string("\x08", 1) + char(request_id) + varint(tag) +
                     varint(static_cast<std::uint32_t>(inner.size())) + inner);
}

TEST_F(ChatServerTest, NonUtf8FieldsGetTheErrorOfTheirField) {
  auto alice = joined("alice");
  const std::string bad_to_good_text = std::string("\x0a\x01\xff\x12\x02hi", 7);
  const std::string good_first_bad_second = std::string("\x0a\x05lobby\x12\x01\xff", 10);
  ASSERT_TRUE(alice->send_raw(raw_request(21, Envelope::kWhisperFieldNumber, bad_to_good_text)));
  ASSERT_TRUE(alice->send_raw(raw_request(22, Envelope::kBroadcastFieldNumber, bad_to_good_text)));
  ASSERT_TRUE(
      alice->send_raw(raw_request(23, Envelope::kBroadcastFieldNumber, good_first_bad_second)));
  const auto errors = alice->wait_count([](const Envelope& e) { return e.has_error(); }, 3);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].error().code(), proto::NICKNAME_INVALID);
  EXPECT_EQ(errors[0].request_id(), 21u);
  EXPECT_EQ(errors[0].error().request(), "whisper");
  EXPECT_EQ(errors[1].error().code(), proto::ROOM_NAME_INVALID);
  EXPECT_EQ(errors[2].error().code(), proto::TEXT_INVALID);
  for (const Envelope& e : errors) {
    EXPECT_FALSE(e.error().fatal());
  }
}

TEST_F(ChatServerTest, QuitWithANonUtf8ReasonStillQuits) {
  auto alice = joined("alice");
  auto bob = joined("bob");
  ASSERT_TRUE(
      bob->send_raw(raw_request(5, Envelope::kQuitFieldNumber, std::string("\x0a\x01\xff", 3))));
  EXPECT_TRUE(bob->wait_closed());
  const auto left = alice->wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().reason(), "quit");
}

TEST_F(ChatServerTest, EveryRequestNamingARoomChecksTheName) {
  auto alice = joined("alice");
  ASSERT_TRUE(alice->leave_room("a b"));
  ASSERT_TRUE(alice->request_users(""));
  ASSERT_TRUE(alice->broadcast(std::string(33, 'r'), "hi", 1));
  const auto errors = alice->wait_count([](const Envelope& e) { return e.has_error(); }, 3);
  ASSERT_EQ(errors.size(), 3u);
  for (const Envelope& e : errors) {
    EXPECT_EQ(e.error().code(), proto::ROOM_NAME_INVALID) << e.ShortDebugString();
  }
}

TEST_F(ChatServerTest, RoomLimitsAndNames) {
  auto alice = joined("alice");
  ASSERT_TRUE(alice->join_room("has space"));
  ASSERT_TRUE(alice->join_room("lobby"));
  ASSERT_TRUE(alice->leave_room("elsewhere"));
  const auto errors = alice->wait_count([](const Envelope& e) { return e.has_error(); }, 3);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].error().code(), proto::ROOM_NAME_INVALID);
  EXPECT_EQ(errors[1].error().code(), proto::ALREADY_IN_ROOM);
  EXPECT_EQ(errors[2].error().code(), proto::NOT_IN_ROOM);
  for (int i = 1; i < 16; ++i) {
    ASSERT_TRUE(alice->join_room("r" + std::to_string(i)));
  }
  EXPECT_EQ(alice->wait_count([](const Envelope& e) { return e.has_user_list(); }, 15).size(), 15u);
  ASSERT_TRUE(alice->join_room("one-too-many"));
  const auto err = alice->wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::TOO_MANY_ROOMS);
}

}  // namespace
}  // namespace chat::testing
