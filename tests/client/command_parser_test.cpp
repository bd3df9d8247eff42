#include "client/command_parser.h"

#include <gtest/gtest.h>

namespace chat::client {
namespace {

using Kind = Command::Kind;

TEST(CommandParserTest, PlainTextIsSaid) {
  const Command c = parse_command("hello there");
  EXPECT_EQ(c.kind, Kind::say);
  EXPECT_EQ(c.text, "hello there");
  EXPECT_EQ(parse_command("   ").kind, Kind::empty);
  EXPECT_EQ(parse_command("//not a command").text, "/not a command");
}

TEST(CommandParserTest, WhisperNeedsATargetAndText) {
  const Command c = parse_command("/w bob  hi there");
  EXPECT_EQ(c.kind, Kind::whisper);
  EXPECT_EQ(c.target, "bob");
  EXPECT_EQ(c.text, "hi there");
  EXPECT_EQ(parse_command("/msg bob x").kind, Kind::whisper);
  EXPECT_EQ(parse_command("/w bob").kind, Kind::invalid);
  EXPECT_EQ(parse_command("/w").kind, Kind::invalid);
}

TEST(CommandParserTest, RoomCommands) {
  EXPECT_EQ(parse_command("/join games").target, "games");
  EXPECT_EQ(parse_command("/join").kind, Kind::invalid);
  // Not a join of "bad": the rule, and the name as typed.
  const Command spaced = parse_command("/join bad room name!");
  EXPECT_EQ(spaced.kind, Kind::invalid);
  EXPECT_NE(spaced.text.find("a room name is one word"), std::string::npos) << spaced.text;
  EXPECT_NE(spaced.text.find("bad room name!"), std::string::npos) << spaced.text;
  EXPECT_EQ(parse_command("/join  games  ").target, "games");
  EXPECT_EQ(parse_command("/leave").kind, Kind::leave);
  EXPECT_EQ(parse_command("/leave").target, "");
  EXPECT_EQ(parse_command("/users games").target, "games");
  EXPECT_EQ(parse_command("/users").kind, Kind::users);
}

TEST(CommandParserTest, OtherCommands) {
  EXPECT_EQ(parse_command("/echo  spaced  text").text, "spaced  text");
  EXPECT_EQ(parse_command("/quit gone fishing").text, "gone fishing");
  EXPECT_EQ(parse_command("/quit").kind, Kind::quit);
  EXPECT_EQ(parse_command("/ping").kind, Kind::ping);
  EXPECT_EQ(parse_command("/help").kind, Kind::help);
  const Command unknown = parse_command("/frobnicate");
  EXPECT_EQ(unknown.kind, Kind::invalid);
  EXPECT_NE(unknown.text.find("/frobnicate"), std::string::npos);
}

TEST(CommandParserTest, RegisterTakesOnePassword) {
  const Command c = parse_command("/register s3cret-pass");
  EXPECT_EQ(c.kind, Kind::register_nickname);
  EXPECT_EQ(c.text, "s3cret-pass");
  EXPECT_EQ(parse_command("/register").kind, Kind::register_nickname);  // asks for it
  EXPECT_EQ(parse_command("/register").text, "");
  EXPECT_EQ(parse_command("/register two words").kind, Kind::invalid);
}

// The passwords are asked for, masked: a password typed in the line would be on the screen.
TEST(CommandParserTest, PasswdAndDeleteAccountTakeNoArguments) {
  const Command passwd = parse_command("/passwd");
  EXPECT_EQ(passwd.kind, Kind::change_password);
  EXPECT_TRUE(passwd.secret.empty());
  EXPECT_EQ(parse_command("/password").kind, Kind::change_password);
  EXPECT_EQ(parse_command("/passwd old new").kind, Kind::invalid);
  EXPECT_EQ(parse_command("/delete-account").kind, Kind::delete_account);
  EXPECT_EQ(parse_command("/delete-account hunter2hunter2").kind, Kind::invalid);
}

TEST(CommandParserTest, OperatorCommandsGoToTheServerAsTyped) {
  const Command op = parse_command("/op who");
  EXPECT_EQ(op.kind, Kind::operator_command);
  EXPECT_EQ(op.text, "who");
  const Command kick = parse_command("/kick bob  spamming links");
  EXPECT_EQ(kick.kind, Kind::operator_command);
  EXPECT_EQ(kick.text, "kick bob  spamming links");
  EXPECT_EQ(parse_command("/ban 10.0.0.7 2h").text, "ban 10.0.0.7 2h");
  EXPECT_EQ(parse_command("/op").kind, Kind::invalid);
  EXPECT_EQ(parse_command("/who").kind, Kind::users);  // the room's users, not the operator's who
}

TEST(CommandParserTest, RoomAndNameCommands) {
  EXPECT_EQ(parse_command("/list").kind, Kind::list_rooms);
  EXPECT_EQ(parse_command("/list kitchen").target, "kitchen");
  EXPECT_EQ(parse_command("/rooms").kind, Kind::operator_command);  // the operator's, as before
  const Command sw = parse_command("/switch dev");
  EXPECT_EQ(sw.kind, Kind::switch_room);
  EXPECT_EQ(sw.target, "dev");
  EXPECT_EQ(parse_command("/switch").kind, Kind::invalid);
  EXPECT_EQ(parse_command("/switch a b").kind, Kind::invalid);
  const Command me = parse_command("/me waves at  everyone");
  EXPECT_EQ(me.kind, Kind::action);
  EXPECT_EQ(me.text, "waves at  everyone");
  const Command nick = parse_command("/nick robert");
  EXPECT_EQ(nick.kind, Kind::nick);
  EXPECT_EQ(nick.target, "robert");
  EXPECT_EQ(parse_command("/nick").kind, Kind::invalid);
}

// Lines that may carry a password stay out of the Up-arrow history, those that do not parse
// included: "/passwd old new" is invalid, and still holds two passwords.
TEST(CommandParserTest, AccountCommandsAreNamedWhetherValidOrNot) {
  for (const char* line :
       {"/register horse-battery", "/register", "/register a b", "/passwd old new", "/passwd",
        "/password old new", "/delete-account pw", "/Delete-Account pw", "/ register pw"}) {
    EXPECT_TRUE(names_account_command(line)) << line;
  }
  EXPECT_EQ(parse_command("/passwd old new").kind, Kind::invalid);
  for (const char* line :
       {"hello", "//register pw", "/registered", "/echo /register pw", "", "/", " /register pw"}) {
    EXPECT_FALSE(names_account_command(line)) << line;
  }
}

}  // namespace
}  // namespace chat::client
