// ConsoleSession's rooms and names: /switch and Alt+number, /join of a room we are in, unread
// counts in the prompt, /list, /me, /nick (console_session_rooms.cpp).
#include <gtest/gtest.h>

#include "client/console_session.h"

namespace chat::client {
namespace {

proto::Envelope answer_to(const proto::Envelope& request) {
  proto::Envelope e;
  e.set_request_id(request.request_id());
  return e;
}

proto::Envelope room_message(const std::string& room, std::uint64_t seq, const std::string& from,
                             const std::string& text, bool action = false) {
  proto::Envelope e;
  auto* m = e.mutable_chat_message();
  m->set_room(room);
  m->set_seq(seq);
  m->set_from(from);
  m->set_text(text);
  m->set_action(action);
  m->set_server_msg_id(seq + 1000);
  return e;
}

class ConsoleSessionRoomsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const proto::Envelope join = session_.join_request("alice");
    proto::Envelope welcome = answer_to(join);
    welcome.mutable_welcome()->set_nickname("alice");
    welcome.mutable_welcome()->add_rooms("lobby");
    session_.receive(welcome);
    for (const char* room : {"dev", "ops", "games", "a-very-long-room-name-indeed"}) {
      enter(room);
    }
    session_.command(parse_command("/switch lobby"));
  }
  void enter(const std::string& room) {
    const auto out = session_.command(parse_command("/join " + room));
    ASSERT_EQ(out.to_send.size(), 1u);
    proto::Envelope list = answer_to(out.to_send[0]);
    list.mutable_user_list()->set_room(room);
    session_.receive(list);
  }
  ConsoleSession session_;
};

TEST_F(ConsoleSessionRoomsTest, SwitchByNameOrNumberAndJoinOfAJoinedRoomSendNothing) {
  EXPECT_EQ(session_.prompt(), "[lobby] > ");
  auto out = session_.command(parse_command("/switch DEV"));
  EXPECT_TRUE(out.to_send.empty());
  EXPECT_EQ(out.lines, std::vector<std::string>{"* now talking in dev (Alt+2)"});
  EXPECT_EQ(session_.prompt(), "[dev] > ");
  EXPECT_EQ(session_.command(parse_command("x")).to_send[0].broadcast().room(), "dev");
  out = session_.command(parse_command("/join ops"));
  EXPECT_TRUE(out.to_send.empty()) << "a room we are in is not joined again";
  EXPECT_EQ(out.lines, std::vector<std::string>{"* now talking in ops (Alt+3)"});
  EXPECT_EQ(session_.command(parse_command("/switch 1")).lines,
            std::vector<std::string>{"* now talking in lobby (Alt+1)"});
  EXPECT_EQ(session_.switch_to_number(4),
            std::vector<std::string>{"* now talking in games (Alt+4)"});
  EXPECT_EQ(session_.switch_to_number(9),
            std::vector<std::string>{"! no room 9: you are in 5 rooms"});
  EXPECT_EQ(session_.command(parse_command("/switch nowhere")).lines,
            std::vector<std::string>{"! you are not in nowhere; /join nowhere to join it"});
  EXPECT_EQ(session_.prompt(), "[games] > ");
}

TEST_F(ConsoleSessionRoomsTest, ThePromptCountsUnreadInOtherRoomsWithinABoundedWidth) {
  session_.receive(room_message("dev", 1, "bob", "a"));
  session_.receive(room_message("dev", 2, "bob", "b"));
  session_.receive(room_message("lobby", 1, "bob", "here"));  // the current room: read
  EXPECT_EQ(session_.prompt(), "[lobby | dev 2] > ");
  session_.receive(room_message("ops", 1, "bob", "c"));
  for (std::uint64_t seq = 1; seq <= 120; ++seq) {
    session_.receive(room_message("games", seq, "bob", "g"));
  }
  session_.receive(room_message("a-very-long-room-name-indeed", 1, "bob", "d"));
  EXPECT_EQ(session_.prompt(), "[lobby | dev 2, ops 1, games 99+, +1] > ");
  // A replay on joining is not unread; switching reads a room.
  auto replayed = room_message("ops", 2, "bob", "old");
  replayed.mutable_chat_message()->set_history(true);
  session_.receive(replayed);
  session_.command(parse_command("/switch dev"));
  EXPECT_EQ(session_.prompt(), "[dev | ops 1, games 99+, a-very-long-.. 1] > ");
  session_.command(parse_command("/leave games"));
  EXPECT_EQ(session_.prompt(), "[dev | ops 1, a-very-long-.. 1] > ");
}

// Whichever way a room becomes the current one, what was unread there is read: the count does
// not come back once another room is current.
TEST_F(ConsoleSessionRoomsTest, ARoomMadeCurrentByALeaveOrARefusedJoinHasNothingUnread) {
  session_.receive(room_message("a-very-long-room-name-indeed", 1, "bob", "x"));
  session_.command(parse_command("/leave"));  // lobby: the last room joined becomes current
  EXPECT_EQ(session_.prompt(), "[a-very-long-room-name-in..] > ");
  session_.command(parse_command("/switch dev"));
  EXPECT_EQ(session_.prompt(), "[dev] > ");

  const auto join = session_.command(parse_command("/join chess"));
  ASSERT_EQ(join.to_send.size(), 1u);
  session_.receive(room_message("dev", 1, "bob", "seen while chess was current"));
  EXPECT_EQ(session_.prompt(), "[chess | dev 1] > ");
  proto::Envelope refused = answer_to(join.to_send[0]);
  refused.mutable_error()->set_code(proto::TOO_MANY_ROOMS);
  session_.receive(refused);  // back to dev
  EXPECT_EQ(session_.prompt(), "[dev] > ");
  session_.command(parse_command("/switch ops"));
  EXPECT_EQ(session_.prompt(), "[ops] > ");
}

TEST_F(ConsoleSessionRoomsTest, ListShowsEachRoomItsCountAndWhichAreOurs) {
  const auto out = session_.command(parse_command("/list"));
  ASSERT_EQ(out.to_send.size(), 1u);
  EXPECT_TRUE(out.to_send[0].has_room_list_request());
  proto::Envelope reply = answer_to(out.to_send[0]);
  auto* list = reply.mutable_room_list();
  list->set_total_rooms(150);
  for (const auto& [name, n] : {std::pair{"dev", 3u}, std::pair{"kitchen", 1u}}) {
    auto* r = list->add_rooms();
    r->set_name(name);
    r->set_members(n);
  }
  list->set_next_after("kitchen");
  EXPECT_EQ(session_.receive(reply),
            (std::vector<std::string>{
                "* 150 rooms on the server (2 here):", "*   dev: 3 users (yours, Alt+2)",
                "*   kitchen: 1 user", "* more: /list kitchen"}));
  EXPECT_EQ(session_.command(parse_command("/list kitchen")).to_send[0].room_list_request().after(),
            "kitchen");
}

TEST_F(ConsoleSessionRoomsTest, ActionsAreShownWithAStar) {
  const auto out = session_.command(parse_command("/me waves"));
  ASSERT_EQ(out.to_send.size(), 1u);
  EXPECT_TRUE(out.to_send[0].broadcast().action());
  EXPECT_EQ(out.to_send[0].broadcast().text(), "waves");
  EXPECT_EQ(session_.unacknowledged(), 1u);
  proto::Envelope ack = answer_to(out.to_send[0]);
  ack.mutable_ack()->set_room("lobby");
  ack.mutable_ack()->set_seq(7);
  EXPECT_EQ(session_.receive(ack), std::vector<std::string>{"[lobby] * alice waves"});
  EXPECT_EQ(session_.receive(room_message("lobby", 8, "bob", "nods", true)),
            std::vector<std::string>{"[lobby] * bob nods"});
  auto old = room_message("dev", 1, "bob", "yawns", true);
  old.mutable_chat_message()->set_history(true);
  EXPECT_EQ(session_.receive(old), std::vector<std::string>{"[dev] (earlier) * bob yawns"});
  EXPECT_EQ(parse_command("/me").kind, Command::Kind::invalid);
}

TEST_F(ConsoleSessionRoomsTest, NickChangesOurNameForReconnectsAndRenamesAreSaidOnce) {
  const auto out = session_.command(parse_command("/nick alicia"));
  ASSERT_EQ(out.to_send.size(), 1u);
  EXPECT_EQ(out.to_send[0].change_nickname().nickname(), "alicia");
  proto::Envelope changed = answer_to(out.to_send[0]);
  changed.mutable_nickname_changed()->set_old_nickname("alice");
  changed.mutable_nickname_changed()->set_nickname("alicia");
  EXPECT_EQ(session_.receive(changed), std::vector<std::string>{"* you are now known as alicia"});
  EXPECT_EQ(session_.nickname(), "alicia");
  session_.connection_lost(true);
  EXPECT_EQ(session_.join_request(session_.nickname(), true).join().nickname(), "alicia");

  proto::Envelope renamed;
  auto* p = renamed.mutable_presence();
  p->set_kind(proto::Presence::RENAMED);
  p->set_old_nickname("bob");
  p->set_nickname("rob");
  p->set_room("lobby");
  EXPECT_EQ(session_.receive(renamed), std::vector<std::string>{"* bob is now known as rob"});
  p->set_room("dev");
  EXPECT_TRUE(session_.receive(renamed).empty()) << "one line for the rooms we share";
  EXPECT_EQ(parse_command("/nick two words").kind, Command::Kind::invalid);
}

}  // namespace
}  // namespace chat::client
