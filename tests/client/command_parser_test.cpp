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

}  // namespace
}  // namespace chat::client
