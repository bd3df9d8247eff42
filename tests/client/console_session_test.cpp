#include "client/console_session.h"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "client/message_time.h"
#include "client/reconnect_backoff.h"

namespace chat::client {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kMaxText = 100;  // the server's limit in welcome()

proto::Envelope welcome(std::uint64_t request_id) {
  proto::Envelope e;
  e.set_request_id(request_id);
  e.mutable_welcome()->set_nickname("alice");
  e.mutable_welcome()->add_rooms("lobby");
  e.mutable_welcome()->set_server_version("0.1.0");
  e.mutable_welcome()->mutable_limits()->set_max_text_bytes(kMaxText);
  return e;
}

// The server's refusal of `join`: its nickname is taken.
proto::Envelope nickname_taken(const proto::Envelope& join) {
  proto::Envelope err;
  err.set_request_id(join.request_id());
  err.mutable_error()->set_code(proto::NICKNAME_TAKEN);
  err.mutable_error()->set_request("join");
  return err;
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

TEST_F(ConsoleSessionTest, TooLongTextIsRefusedBeforeSendingAndGivenBack) {
  const std::string long_text(kMaxText + 1, 'x');
  for (const std::string& typed : {long_text, "/w bob " + long_text, "/echo " + long_text}) {
    const auto out = session_.command(parse_command(typed));
    EXPECT_TRUE(out.to_send.empty()) << typed;
    EXPECT_TRUE(out.give_back) << typed;
    EXPECT_EQ(out.lines, std::vector<std::string>{
                             "! too long: 101 bytes, the server takes up to 100; not sent"});
  }
  const auto fits = session_.command(parse_command(std::string(kMaxText, 'x')));
  EXPECT_EQ(fits.to_send.size(), 1u);
  EXPECT_FALSE(fits.give_back);
}

TEST_F(ConsoleSessionTest, AnErrorAboutALongMessageShowsOnlyItsBeginning) {
  const auto out = session_.command(parse_command("/w nobody " + std::string(90, 'y')));
  ASSERT_EQ(out.to_send.size(), 1u);
  proto::Envelope err;
  err.set_request_id(out.to_send[0].request_id());
  err.mutable_error()->set_code(proto::WHISPER_TARGET_UNKNOWN);
  err.mutable_error()->set_message("no user 'nobody'");
  err.mutable_error()->set_request("whisper");
  EXPECT_EQ(
      session_.receive(err),
      std::vector<std::string>{"! error WHISPER_TARGET_UNKNOWN: no user 'nobody' (not sent: " +
                               std::string(40, 'y') + "...)"});
}

TEST_F(ConsoleSessionTest, WithTimesEachMessageSaysWhenItWasSaid) {
  session_.set_show_times(true);
  const auto now = std::chrono::system_clock::now();
  const auto now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  proto::Envelope chat;
  chat.mutable_chat_message()->set_room("lobby");
  chat.mutable_chat_message()->set_from("bob");
  chat.mutable_chat_message()->set_text("yo");
  chat.mutable_chat_message()->set_server_time_ms(now_ms);
  const std::string time = message_time(now_ms, false, now);
  EXPECT_EQ(session_.receive(chat), std::vector<std::string>{time + " [lobby] <bob> yo"});
  chat.mutable_chat_message()->set_history(true);  // replayed: with the date
  chat.mutable_chat_message()->set_seq(7);
  EXPECT_EQ(session_.receive(chat), std::vector<std::string>{message_time(now_ms, true, now) +
                                                             " [lobby] (earlier) <bob> yo"});
  const auto out = session_.command(parse_command("mine"));
  proto::Envelope ack;
  ack.set_request_id(out.to_send[0].request_id());
  ack.mutable_ack()->set_room("lobby");
  ack.mutable_ack()->set_server_time_ms(now_ms);
  EXPECT_EQ(session_.receive(ack), std::vector<std::string>{time + " [lobby] <alice> mine"});
  proto::Envelope p;  // presence has no time of its own
  p.mutable_presence()->set_room("lobby");
  p.mutable_presence()->set_nickname("bob");
  p.mutable_presence()->set_kind(proto::Presence::JOINED);
  EXPECT_EQ(session_.receive(p), std::vector<std::string>{"* bob joined lobby"});
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

TEST_F(ConsoleSessionTest, AWhisperIsShownToTheRecipientAsTheySpellTheirName) {
  const auto out = session_.command(parse_command("/w BOB psst"));
  ASSERT_EQ(out.to_send.size(), 1u);
  proto::Envelope ack;
  ack.set_request_id(out.to_send[0].request_id());
  ack.mutable_ack()->set_to("bob");
  EXPECT_EQ(session_.receive(ack), std::vector<std::string>{"[whisper to bob] psst"});
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

TEST_F(ConsoleSessionTest, RegisterSendsThePasswordAndLaterJoinsLogIn) {
  const auto out = session_.command(parse_command("/register hunter2hunter2"));
  ASSERT_EQ(out.to_send.size(), 1u);
  EXPECT_EQ(out.to_send[0].register_nickname().password(), "hunter2hunter2");
  EXPECT_TRUE(out.lines.empty());  // the password is not echoed
  proto::Envelope registered;
  registered.set_request_id(out.to_send[0].request_id());
  registered.mutable_registered()->set_nickname("alice");
  EXPECT_EQ(
      session_.receive(registered),
      std::vector<std::string>{"* alice is registered to you; next time log in with --password"});
  // A reconnect's Join now logs in.
  EXPECT_EQ(session_.join_request("alice", true).join().password(), "hunter2hunter2");
}

TEST_F(ConsoleSessionTest, PasswdSendsBothPasswordsAndLaterJoinsUseTheNewOne) {
  session_.set_password("old password");
  Command cmd = parse_command("/passwd");
  ASSERT_EQ(cmd.kind, Command::Kind::change_password);
  cmd.secret = "old password";  // what chat_client asked for, masked
  cmd.text = "new password";
  const auto out = session_.command(cmd);
  ASSERT_EQ(out.to_send.size(), 1u);
  EXPECT_EQ(out.to_send[0].change_password().old_password(), "old password");
  EXPECT_EQ(out.to_send[0].change_password().new_password(), "new password");
  EXPECT_TRUE(out.lines.empty());  // no password is echoed
  proto::Envelope changed;
  changed.set_request_id(out.to_send[0].request_id());
  changed.mutable_password_changed()->set_nickname("alice");
  EXPECT_EQ(session_.receive(changed),
            std::vector<std::string>{"* the password of alice is changed"});
  EXPECT_EQ(session_.join_request("alice", true).join().password(), "new password");
}

TEST_F(ConsoleSessionTest, DeleteAccountSendsThePasswordAndLaterJoinsAreAGuests) {
  session_.set_password("the password");
  Command cmd = parse_command("/delete-account");
  ASSERT_EQ(cmd.kind, Command::Kind::delete_account);
  cmd.secret = "the password";
  const auto out = session_.command(cmd);
  ASSERT_EQ(out.to_send.size(), 1u);
  EXPECT_EQ(out.to_send[0].delete_account().password(), "the password");
  proto::Envelope deleted;
  deleted.set_request_id(out.to_send[0].request_id());
  deleted.mutable_account_deleted()->set_nickname("alice");
  EXPECT_EQ(session_.receive(deleted),
            std::vector<std::string>{"* the account alice is deleted; you are a guest now"});
  EXPECT_EQ(session_.join_request("alice", true).join().password(), "");
}

TEST_F(ConsoleSessionTest, ARoleChangeIsShownAsSaid) {
  proto::Envelope notice;
  notice.mutable_notice()->set_kind(proto::Notice::ROLE_CHANGED);
  notice.mutable_notice()->set_is_operator(true);
  notice.mutable_notice()->set_text("you have the operator role now (given by console)");
  EXPECT_EQ(session_.receive(notice),
            std::vector<std::string>{"* you have the operator role now (given by console)"});
}

TEST_F(ConsoleSessionTest, OperatorCommandsAndTheirReplies) {
  const auto out = session_.command(parse_command("/kick bob spamming"));
  ASSERT_EQ(out.to_send.size(), 1u);
  EXPECT_EQ(out.to_send[0].operator_command().line(), "kick bob spamming");
  proto::Envelope reply;
  reply.set_request_id(out.to_send[0].request_id());
  reply.mutable_operator_reply()->add_lines("kicked bob");
  EXPECT_EQ(session_.receive(reply), std::vector<std::string>{"* kicked bob"});
}

TEST_F(ConsoleSessionTest, HelpIsOneLinePerCommand) {
  // The console shows a newline inside a line as "\n": /help must come as separate lines.
  const auto out = session_.command(parse_command("/help"));
  EXPECT_TRUE(out.to_send.empty());
  ASSERT_GT(out.lines.size(), 10u);
  EXPECT_EQ(out.lines.front(), "commands:");
  for (const std::string& line : out.lines) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  }
  EXPECT_NE(std::find_if(out.lines.begin(), out.lines.end(),
                         [](const std::string& l) { return l.starts_with("  /w NICK TEXT"); }),
            out.lines.end());
  for (const char* command : {"  /passwd ", "  /delete-account "}) {
    EXPECT_NE(std::find_if(out.lines.begin(), out.lines.end(),
                           [&](const std::string& l) { return l.starts_with(command); }),
              out.lines.end())
        << command;
  }
  EXPECT_EQ(out.lines.back().substr(0, 7), "  /help");
  EXPECT_EQ(out.lines.back().substr(out.lines.back().find_first_not_of(' ', 7)), "this text");
}

TEST_F(ConsoleSessionTest, HelpDescriptionsStartInOneColumn) {
  const auto out = session_.command(parse_command("/help"));
  ASSERT_GT(out.lines.size(), 1u);
  // The column where "/help"'s description starts; every other description starts there too.
  const std::size_t column = out.lines.back().find("this text");
  for (std::size_t i = 1; i < out.lines.size(); ++i) {
    const std::string& line = out.lines[i];
    ASSERT_GT(line.size(), column) << line;
    EXPECT_NE(line[column], ' ') << line;
    EXPECT_EQ(line[column - 1], ' ') << line;
    EXPECT_EQ(line[column - 2], ' ') << line;
  }
}

TEST(ConsoleSessionJoin, APasswordGoesInEveryJoinAndTheWelcomeSaysTheRole) {
  ConsoleSession session;
  session.set_password("s3cret-password");
  const proto::Envelope join = session.join_request("alice");
  EXPECT_EQ(join.join().password(), "s3cret-password");
  proto::Envelope w = welcome(join.request_id());
  w.mutable_welcome()->set_registered(true);
  w.mutable_welcome()->set_is_operator(true);
  const auto lines = session.receive(w);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "* welcome, alice (operator)! server 0.1.0; you are in lobby");
}

TEST(ConsoleSessionJoin, RefusedJoinIsReported) {
  ConsoleSession s;
  const proto::Envelope join = s.join_request("bob");
  s.receive(nickname_taken(join));
  EXPECT_EQ(s.join_state(), ConsoleSession::JoinState::refused);
}

// ---- Resuming after a lost connection

proto::Envelope room_message(const std::string& room, const std::string& from,
                             const std::string& text, std::uint64_t seq, bool history = false) {
  proto::Envelope e;
  auto* m = e.mutable_chat_message();
  m->set_room(room);
  m->set_from(from);
  m->set_text(text);
  m->set_seq(seq);
  m->set_server_msg_id(1000 + seq);
  m->set_server_time_ms(5000 + seq);
  m->set_history(history);
  return e;
}

proto::Envelope ack_of(const proto::Envelope& sent, std::uint64_t seq) {
  proto::Envelope a;
  a.set_request_id(sent.request_id());
  a.mutable_ack()->set_room(sent.broadcast().room());
  a.mutable_ack()->set_seq(seq);
  a.mutable_ack()->set_server_msg_id(1000 + seq);
  a.mutable_ack()->set_server_time_ms(5000 + seq);
  return a;
}

proto::Envelope reply_to(const proto::Envelope& request) {
  proto::Envelope r;
  r.set_request_id(request.request_id());
  return r;
}

proto::Envelope pong_to(const proto::Envelope& ping) {
  proto::Envelope r = reply_to(ping);
  r.mutable_pong()->set_nonce(ping.ping().nonce());
  return r;
}

class ConsoleSessionResumeTest : public ConsoleSessionTest {
 protected:
  // Loses the connection, rejoins and returns the resume requests (JoinRooms, then the Ping).
  std::vector<proto::Envelope> reconnect() {
    session_.connection_lost(true);
    const proto::Envelope join = session_.join_request("alice", true);
    EXPECT_TRUE(join.join().skip_lobby());
    EXPECT_EQ(join.join().nickname(), "alice");
    proto::Envelope w = welcome(join.request_id());
    w.mutable_welcome()->clear_rooms();  // skip_lobby
    EXPECT_TRUE(session_.receive(w).empty()) << "the client itself says it reconnected";
    EXPECT_EQ(session_.join_state(), ConsoleSession::JoinState::joined);
    return session_.resume_requests();
  }
  std::vector<std::string> users(const proto::Envelope& join_room) {
    proto::Envelope list = reply_to(join_room);
    list.mutable_user_list()->set_room(join_room.join_room().room());
    list.mutable_user_list()->add_members("alice");
    return session_.receive(list);
  }
};

TEST_F(ConsoleSessionResumeTest, ResumesEveryRoomFromJustBeforeWhatWasSeen) {
  const auto games = session_.command(parse_command("/join games"));
  users(games.to_send[0]);
  session_.receive(room_message("lobby", "bob", "one", 7, true));
  session_.receive(room_message("lobby", "bob", "two", 8));
  const auto requests = reconnect();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].join_room().room(), "lobby");
  ASSERT_TRUE(requests[0].join_room().has_since_seq());
  EXPECT_EQ(requests[0].join_room().since_seq(), 6u) << "just before the oldest remembered";
  EXPECT_EQ(requests[1].join_room().room(), "games");
  ASSERT_TRUE(requests[1].join_room().has_since_seq()) << "a room we were in, nothing seen";
  EXPECT_EQ(requests[1].join_room().since_seq(), 0u);
  EXPECT_TRUE(requests[2].has_ping());
  EXPECT_EQ(session_.prompt(), "[games | lobby 1] > ") << "the current room and the unread stay";
  EXPECT_EQ(users(requests[0]), std::vector<std::string>{"* users in lobby (1): alice"});
}

TEST_F(ConsoleSessionResumeTest, WhatWasSeenIsNotShownAgainAndWhatWasMissedIsShownAsLive) {
  session_.receive(room_message("lobby", "bob", "one", 7));
  const auto say = session_.command(parse_command("mine"));
  EXPECT_EQ(session_.receive(ack_of(say.to_send[0], 8)),
            std::vector<std::string>{"[lobby] <alice> mine"});
  const auto requests = reconnect();
  EXPECT_EQ(requests[0].join_room().since_seq(), 6u);
  users(requests[0]);
  EXPECT_TRUE(session_.receive(room_message("lobby", "bob", "one", 7, true)).empty());
  EXPECT_TRUE(session_.receive(room_message("lobby", "alice", "mine", 8, true)).empty());
  EXPECT_EQ(session_.receive(room_message("lobby", "bob", "missed", 9, true)),
            std::vector<std::string>{"[lobby] <bob> missed"});
  EXPECT_TRUE(session_.receive(pong_to(requests[1])).empty()) << "nothing left unconfirmed";
  EXPECT_EQ(session_.receive(room_message("lobby", "bob", "later", 10)),
            std::vector<std::string>{"[lobby] <bob> later"});
}

TEST_F(ConsoleSessionResumeTest, AnAckAheadOfAnotherMembersMessageHidesNothing) {
  // Our Ack for seq 9 can overtake bob's seq 8 on the way to us: 8 is still shown.
  const auto say = session_.command(parse_command("mine"));
  session_.receive(ack_of(say.to_send[0], 9));
  EXPECT_EQ(session_.receive(room_message("lobby", "bob", "eight", 8)),
            std::vector<std::string>{"[lobby] <bob> eight"});
}

TEST_F(ConsoleSessionResumeTest, ASeqReusedAfterARestartIsANewMessage) {
  // Seen live, then the server was killed before storing it: its seq goes to a new message.
  session_.receive(room_message("lobby", "bob", "unstored", 5));
  const auto requests = reconnect();
  proto::Envelope reused = room_message("lobby", "carol", "new", 5, true);
  reused.mutable_chat_message()->set_server_time_ms(99999);
  EXPECT_EQ(session_.receive(reused), std::vector<std::string>{"[lobby] <carol> new"});
}

TEST_F(ConsoleSessionResumeTest, HistoryGapReportsOnlyWhatWasNeverSeen) {
  session_.receive(room_message("lobby", "bob", "a", 3));
  session_.receive(room_message("lobby", "bob", "b", 4));
  reconnect();
  proto::Envelope gap;
  gap.mutable_notice()->set_kind(proto::Notice::HISTORY_GAP);
  gap.mutable_notice()->set_room("lobby");
  gap.mutable_notice()->set_missing_from(3);
  gap.mutable_notice()->set_missing_to(4);
  EXPECT_TRUE(session_.receive(gap).empty()) << "both were shown before the loss";
  gap.mutable_notice()->set_missing_to(9);
  EXPECT_EQ(session_.receive(gap),
            std::vector<std::string>{"! 5 messages in lobby are no longer kept (seq 5-9)"});
  gap.mutable_notice()->set_missing_from(1);
  gap.mutable_notice()->set_missing_to(1);
  EXPECT_EQ(session_.receive(gap),
            std::vector<std::string>{"! 1 message in lobby is no longer kept (seq 1-1)"});
}

TEST_F(ConsoleSessionResumeTest, UnackedMessageIsConfirmedByTheReplayOrReportedAfterIt) {
  const auto kept = session_.command(parse_command("made it"));
  const auto lost = session_.command(parse_command("lost it"));
  const auto whisper = session_.command(parse_command("/w bob psst"));
  EXPECT_EQ(session_.unacknowledged(), 3u);
  EXPECT_EQ(
      session_.connection_lost(true),
      (std::vector<std::string>{"! not confirmed yet: [lobby] made it (checking once reconnected)",
                                "! not confirmed yet: [lobby] lost it (checking once reconnected)",
                                "! not confirmed: [whisper to bob] psst"}));
  EXPECT_EQ(session_.unacknowledged(), 0u);
  const proto::Envelope join = session_.join_request("alice", true);
  session_.receive(welcome(join.request_id()));
  const auto requests = session_.resume_requests();
  ASSERT_EQ(requests.size(), 2u);
  users(requests[0]);
  EXPECT_EQ(session_.receive(room_message("lobby", "alice", "made it", 3, true)),
            std::vector<std::string>{"[lobby] <alice> made it"})
      << "shown as an Acked message would have been";
  EXPECT_EQ(session_.receive(pong_to(requests[1])),
            std::vector<std::string>{"! not confirmed: [lobby] lost it (not in the room's "
                                     "history: probably not delivered)"});
}

// A request typed just before the loss, that the server may or may not have acted on and that
// no replay can confirm: said, not dropped in silence, and never with its password.
TEST_F(ConsoleSessionResumeTest, RequestsInFlightAtTheLossAreSaidNotDroppedSilently) {
  session_.command(parse_command("/echo hi"));
  session_.command(parse_command("/kick bob spam"));
  session_.command(parse_command("/register horse-battery"));
  session_.command(parse_command("/leave"));
  session_.command(parse_command("/nick carol"));
  session_.command(parse_command("/list kitchen"));
  EXPECT_EQ(session_.connection_lost(true),
            (std::vector<std::string>{
                "! no answer to /echo hi: the connection was lost",
                "! not confirmed: /op kick bob spam (the connection was lost before the answer; "
                "check, and send it again if needed)",
                "! not confirmed: /register (the connection was lost before the answer; check, "
                "and send it again if needed)",
                "! not confirmed: /nick carol (the connection was lost before the answer; the "
                "server may have renamed you, but you come back as alice: send it again if "
                "needed)",
                "! no answer to /list kitchen: the connection was lost"}));
}

// While reconnecting our rooms stay ours: /switch and Alt+number work on them, their unread
// counts stay, and they keep their numbers once rejoined. A room whose rejoin is refused is gone.
TEST_F(ConsoleSessionResumeTest, RoomsCanBeSwitchedBetweenWhileReconnecting) {
  const auto games = session_.command(parse_command("/join games"));
  users(games.to_send[0]);
  const auto chess = session_.command(parse_command("/join chess"));
  users(chess.to_send[0]);
  session_.command(parse_command("/switch lobby"));
  session_.receive(room_message("games", "bob", "psst", 4));
  session_.connection_lost(true);
  EXPECT_EQ(session_.prompt(), "[lobby | games 1] > ");
  EXPECT_EQ(session_.command(parse_command("/switch games")).lines,
            std::vector<std::string>{"* now talking in games (Alt+2)"});
  EXPECT_EQ(session_.switch_to_number(3),
            std::vector<std::string>{"* now talking in chess (Alt+3)"});
  EXPECT_EQ(session_.prompt(), "[chess] > ");

  const proto::Envelope join = session_.join_request("alice", true);
  session_.receive(welcome(join.request_id()));
  const auto requests = session_.resume_requests();
  ASSERT_EQ(requests.size(), 4u);
  users(requests[0]);
  proto::Envelope refused = reply_to(requests[1]);
  refused.mutable_error()->set_code(proto::TOO_MANY_ROOMS);
  refused.mutable_error()->set_request("join_room");
  EXPECT_EQ(session_.receive(refused),
            std::vector<std::string>{"! error TOO_MANY_ROOMS:  (could not rejoin games)"});
  users(requests[2]);
  EXPECT_EQ(session_.prompt(), "[chess] > ");
  EXPECT_EQ(session_.switch_to_number(2),
            std::vector<std::string>{"* now talking in chess (Alt+2)"});
  EXPECT_EQ(session_.switch_to_number(3),
            std::vector<std::string>{"! no room 3: you are in 2 rooms"});
}

// A message sent just before a /nick is from the old name: its Ack shows it so, and its replay
// after a loss (from the old name) confirms it.
TEST_F(ConsoleSessionResumeTest, OwnMessagesKeepTheNameTheyWereSentWith) {
  const auto renamed_to = [&](const std::string& nick) {
    const auto nick_out = session_.command(parse_command("/nick " + nick));
    proto::Envelope changed = reply_to(nick_out.to_send[0]);
    changed.mutable_nickname_changed()->set_old_nickname(session_.nickname());
    changed.mutable_nickname_changed()->set_nickname(nick);
    session_.receive(changed);
  };
  const auto acked = session_.command(parse_command("hi"));
  const auto action = session_.command(parse_command("/me waves"));
  renamed_to("carol");
  EXPECT_EQ(session_.receive(ack_of(acked.to_send[0], 3)),
            std::vector<std::string>{"[lobby] <alice> hi"});
  EXPECT_EQ(session_.receive(ack_of(action.to_send[0], 4)),
            std::vector<std::string>{"[lobby] * alice waves"});

  const auto unacked = session_.command(parse_command("still there?"));
  renamed_to("dora");
  const auto requests = reconnect();
  users(requests[0]);
  EXPECT_EQ(session_.receive(room_message("lobby", "carol", "still there?", 5, true)),
            std::vector<std::string>{"[lobby] <carol> still there?"});
  EXPECT_TRUE(session_.receive(pong_to(requests[1])).empty()) << "confirmed by its replay";
}

// Refused on connect, before the server read the Join: an address ban refuses the Join as a
// nickname ban does; a "not now" refusal (the server is full) is left to the close.
TEST(ConsoleSessionJoin, AnAddressBanOnConnectRefusesTheJoin) {
  for (const auto code : {proto::BANNED, proto::SERVER_FULL}) {
    SCOPED_TRACE(proto::ErrorCode_Name(code));
    ConsoleSession session;
    proto::Envelope err;
    err.mutable_error()->set_code(code);
    err.mutable_error()->set_fatal(true);
    session.receive(err);  // as it may: before our Join even went out
    session.join_request("alice");
    if (code == proto::BANNED) {
      EXPECT_EQ(session.join_state(), ConsoleSession::JoinState::refused);
      EXPECT_EQ(session.join_error(), proto::BANNED);
    } else {
      EXPECT_EQ(session.join_state(), ConsoleSession::JoinState::pending);
    }
  }
}

TEST_F(ConsoleSessionResumeTest, ARoomBeingJoinedIsJoinedAnewAndALeftOneIsNotRejoined) {
  const auto games = session_.command(parse_command("/join games"));
  users(games.to_send[0]);
  session_.command(parse_command("/leave games"));  // lost before the server confirmed it
  session_.command(parse_command("/join chess"));   // lost before the UserList
  const auto requests = reconnect();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].join_room().room(), "lobby");
  EXPECT_EQ(requests[1].join_room().room(), "chess");
  EXPECT_FALSE(requests[1].join_room().has_since_seq()) << "the newest messages, as a /join";
  EXPECT_EQ(session_.prompt(), "[chess] > ");
  EXPECT_EQ(users(requests[1]), (std::vector<std::string>{"* users in chess (1): alice"}));
}

TEST_F(ConsoleSessionResumeTest, LostAgainBeforeTheRoomsCameBackResumesThemAll) {
  session_.receive(room_message("lobby", "bob", "one", 7));
  reconnect();  // the JoinRooms went out, no answer came
  const auto requests = reconnect();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].join_room().room(), "lobby");
  EXPECT_EQ(requests[0].join_room().since_seq(), 6u);
}

TEST_F(ConsoleSessionResumeTest, FatalErrorsThatInviteARetryAllowReconnecting) {
  proto::Envelope e;
  e.mutable_error()->set_fatal(true);
  e.mutable_error()->set_code(proto::HEARTBEAT_TIMEOUT);
  session_.receive(e);
  EXPECT_TRUE(session_.may_reconnect());
  e.mutable_error()->set_code(proto::RATE_LIMITED);  // kicked for flooding: do not come back
  session_.receive(e);
  EXPECT_FALSE(session_.may_reconnect());
}

TEST(ConsoleSessionJoin, RefusedResumeJoinSaysWhy) {
  ConsoleSession s;
  const proto::Envelope join = s.join_request("bob", true);
  s.receive(nickname_taken(join));
  EXPECT_EQ(s.join_state(), ConsoleSession::JoinState::refused);
  EXPECT_EQ(s.join_error(), proto::NICKNAME_TAKEN);
}

TEST(ReconnectBackoff, DoublesFromHalfASecondToThirtyWithJitter) {
  ReconnectBackoff backoff(42);
  const double expected[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
  for (const double base : expected) {
    const auto d = static_cast<double>(backoff.next().count());
    EXPECT_GE(d, base * 0.75);
    EXPECT_LE(d, base * 1.25);
  }
  EXPECT_EQ(backoff.attempts(), 8u);
  backoff.reset();
  EXPECT_LE(backoff.next().count(), 625);
}

TEST(ReconnectBackoff, DelaysAtTheCapStillDiffer) {
  ReconnectBackoff backoff(7);
  for (int i = 0; i < 7; ++i) {
    backoff.next();  // up to the cap
  }
  std::set<std::int64_t> delays;
  int over_the_cap = 0;
  for (int i = 0; i < 20; ++i) {
    const auto d = backoff.next().count();
    EXPECT_GE(d, 22500);
    EXPECT_LE(d, 37500);
    delays.insert(d);
    over_the_cap += d > 30000 ? 1 : 0;
  }
  EXPECT_GT(delays.size(), 15u);
  EXPECT_GT(over_the_cap, 0);
}

TEST(ReconnectBackoff, ConnectionLostIsSaidOnce) {
  EXPECT_EQ(connection_lost_line("connection lost: Connection reset by peer", 500ms),
            "! connection lost: Connection reset by peer; reconnecting in 0.5 s...");
  EXPECT_EQ(connection_lost_line("server closed the connection", 1500ms),
            "! connection lost: server closed the connection; reconnecting in 1.5 s...");
}

TEST(SeenMessages, KeepsTheNewestPerRoomIgnoringCase) {
  SeenMessages seen;
  for (std::uint64_t seq = 1; seq <= SeenMessages::kKeptPerRoom + 10; ++seq) {
    seen.record("Lobby", seq, {seq, seq});
  }
  EXPECT_EQ(seen.resume_from("lobby"), 10u);
  EXPECT_TRUE(seen.seen("LOBBY", 11, {11, 11}));
  EXPECT_FALSE(seen.seen("lobby", 11, {11, 12}));
  EXPECT_FALSE(seen.seen("lobby", 10, {10, 10})) << "forgotten";
  seen.forget("lobby");
  EXPECT_EQ(seen.resume_from("lobby"), 0u);
}

}  // namespace
}  // namespace chat::client
