#include "client/console_session.h"

#include <gtest/gtest.h>

namespace chat::client {
namespace {

proto::Envelope welcome(std::uint64_t request_id) {
  proto::Envelope e;
  e.set_request_id(request_id);
  e.mutable_welcome()->set_nickname("alice");
  e.mutable_welcome()->add_rooms("lobby");
  e.mutable_welcome()->set_server_version("0.1.0");
  return e;
}

class ConsoleSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const proto::Envelope join = session_.join_request("alice");
    EXPECT_EQ(session_.join_state(), ConsoleSession::JoinState::pending);
    const auto lines = session_.receive(welcome(join.request_id()));
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], "* welcome, alice! server 0.1.0; you are in lobby");
    EXPECT_EQ(session_.join_state(), ConsoleSession::JoinState::joined);
  }
  ConsoleSession session_;
};

TEST_F(ConsoleSessionTest, SayIsPrintedWhenAcked) {
  const auto out = session_.command(parse_command("hi all"));
  ASSERT_EQ(out.to_send.size(), 1u);
  const proto::Envelope& sent = out.to_send[0];
  EXPECT_EQ(sent.broadcast().room(), "lobby");
  EXPECT_EQ(session_.unacknowledged(), 1u);
  proto::Envelope ack;
  ack.set_request_id(sent.request_id());
  ack.mutable_ack()->set_room("lobby");
  EXPECT_EQ(session_.receive(ack), std::vector<std::string>{"[lobby] <alice> hi all"});
  EXPECT_EQ(session_.unacknowledged(), 0u);
}

TEST_F(ConsoleSessionTest, IncomingChatAndPresenceFormats) {
  proto::Envelope chat;
  chat.mutable_chat_message()->set_room("lobby");
  chat.mutable_chat_message()->set_from("bob");
  chat.mutable_chat_message()->set_text("yo");
  EXPECT_EQ(session_.receive(chat), std::vector<std::string>{"[lobby] <bob> yo"});
  chat.mutable_chat_message()->set_history(true);
  EXPECT_EQ(session_.receive(chat), std::vector<std::string>{"[lobby] (earlier) <bob> yo"});
  chat.mutable_chat_message()->set_history(false);
  chat.mutable_chat_message()->set_whisper(true);
  EXPECT_EQ(session_.receive(chat), std::vector<std::string>{"[whisper from bob] yo"});
  proto::Envelope p;
  p.mutable_presence()->set_room("lobby");
  p.mutable_presence()->set_nickname("bob");
  p.mutable_presence()->set_kind(proto::Presence::LEFT);
  p.mutable_presence()->set_reason("quit: bye");
  EXPECT_EQ(session_.receive(p), std::vector<std::string>{"* bob left lobby (quit: bye)"});
}

TEST_F(ConsoleSessionTest, JoinSwitchesAtOnceAndARefusalSwitchesBack) {
  const auto join = session_.command(parse_command("/join games"));
  ASSERT_EQ(join.to_send.size(), 1u);
  EXPECT_EQ(session_.prompt(), "[games] > ");
  EXPECT_EQ(session_.command(parse_command("x")).to_send[0].broadcast().room(), "games");
  proto::Envelope refused;
  refused.set_request_id(join.to_send[0].request_id());
  refused.mutable_error()->set_code(proto::TOO_MANY_ROOMS);
  refused.mutable_error()->set_message("already in 16 rooms");
  EXPECT_EQ(session_.receive(refused),
            std::vector<std::string>{"! error TOO_MANY_ROOMS: already in 16 rooms"});
  EXPECT_EQ(session_.prompt(), "[lobby] > ");
}

TEST_F(ConsoleSessionTest, LeavingTheLastRoomLeavesNoCurrentRoom) {
  const auto leave = session_.command(parse_command("/leave"));
  ASSERT_EQ(leave.to_send.size(), 1u);
  EXPECT_EQ(leave.to_send[0].leave_room().room(), "lobby");
  EXPECT_EQ(session_.prompt(), "> ");
  const auto say = session_.command(parse_command("anyone?"));
  EXPECT_TRUE(say.to_send.empty());
  EXPECT_EQ(say.lines, std::vector<std::string>{"! you are in no room; /join ROOM first"});
}

TEST_F(ConsoleSessionTest, RefusedMessageSaysWhatWasNotSent) {
  const auto out = session_.command(parse_command("/w nobody hello?"));
  proto::Envelope err;
  err.set_request_id(out.to_send[0].request_id());
  err.mutable_error()->set_code(proto::WHISPER_TARGET_UNKNOWN);
  err.mutable_error()->set_message("no user 'nobody'");
  EXPECT_EQ(session_.receive(err),
            std::vector<std::string>{
                "! error WHISPER_TARGET_UNKNOWN: no user 'nobody' (not sent: hello?)"});
  EXPECT_EQ(session_.unacknowledged(), 0u);
}

TEST(ConsoleSessionJoin, RefusedJoinIsReported) {
  ConsoleSession s;
  const proto::Envelope join = s.join_request("bob");
  proto::Envelope err;
  err.set_request_id(join.request_id());
  err.mutable_error()->set_code(proto::NICKNAME_TAKEN);
  err.mutable_error()->set_request("join");
  s.receive(err);
  EXPECT_EQ(s.join_state(), ConsoleSession::JoinState::refused);
}

}  // namespace
}  // namespace chat::client
