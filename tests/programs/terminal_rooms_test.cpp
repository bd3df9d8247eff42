// chat_client on a terminal (tmux), moving between rooms and names as a person does: /help's
// layout, /join, Alt+digit and /switch with the unread counts in the prompt, /list, /rooms
// (still the operator's), /me and /nick, against a real chat_server. Linux only.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "programs/tmux_pane.h"
#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/test_client.h"

namespace chat::testing {
namespace {

const std::string kServer = CHAT_SERVER_EXE;
const std::string kClient = CHAT_CLIENT_EXE;

// The row the prompt is on (the last one: the input line), without what is typed after it.
bool prompt_is(const std::vector<std::string>& rows, const std::string& prompt) {
  return !rows.empty() && trim_right(rows.back()) == trim_right(prompt);
}

bool row_is(const std::vector<std::string>& rows, const std::string& line) {
  return std::any_of(rows.begin(), rows.end(),
                     [&](const std::string& row) { return trim_right(without_time(row)) == line; });
}

TEST(RoomsOnATerminal, HelpListSwitchAltDigitMeAndNickAsAPersonSeesThem) {
  ASSERT_FALSE(kTmux.empty()) << "tmux was not found when the build was configured; "
                                 "scripts/install_deps.sh installs it";
  ChildProcess server({kServer, "--port", "0", "--log-level", "warn", "--db", ":memory:"});
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  TmuxPane pane(100, 60,
                {kClient, "--port", std::to_string(port), "--nick", "ann", "--no-reconnect"});
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) {
    return row.starts_with("* welcome, ann!");
  })) << dump(pane.screen());

  // /help: every new command on a line of its own, descriptions in one column.
  pane.type_line("/help");
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) { return row.starts_with("  /help"); }))
      << dump(pane.screen());
  {
    const std::vector<std::string> rows = pane.screen();
    const auto help = std::find_if(rows.begin(), rows.end(),
                                   [](const std::string& r) { return r.starts_with("  /help"); });
    const std::size_t column = help->find("this text");
    for (const char* command : {"  /me ACTION ", "  /switch ROOM ", "  /list [AFTER] ",
                                "  /nick NEW ", "  /join ROOM "}) {
      const auto row = std::find_if(rows.begin(), rows.end(),
                                    [&](const std::string& r) { return r.starts_with(command); });
      ASSERT_NE(row, rows.end()) << command << "\n" << dump(rows);
      EXPECT_NE((*row)[column], ' ') << *row;
      EXPECT_EQ((*row)[column - 1], ' ') << *row;
    }
    EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [](const std::string& r) {
      return r.find("Alt+1..9") != std::string::npos;
    })) << dump(rows);
  }

  client::ClientNetwork network(1, 8);
  TestClient bob(network, {"127.0.0.1", port});
  ASSERT_TRUE(bob.join("bob").has_welcome());
  pane.type_line("/join dev");
  ASSERT_TRUE(pane.wait_for_screen([](const auto& rows) { return prompt_is(rows, "[dev] >"); }))
      << dump(pane.screen());
  ASSERT_TRUE(bob.join_room("dev"));
  ASSERT_TRUE(bob.wait_for(Envelope::kUserList));

  // A message in the other room shows in the prompt; Alt+1 goes there and reads it.
  ASSERT_TRUE(bob.broadcast("lobby", "over here", 1));
  ASSERT_TRUE(pane.wait_for_screen([](const auto& rows) {
    return prompt_is(rows, "[dev | lobby 1] >");
  })) << dump(pane.screen());
  pane.keys({"M-1"});
  ASSERT_TRUE(pane.wait_for_screen([](const auto& rows) {
    return prompt_is(rows, "[lobby] >") && row_is(rows, "* now talking in lobby (Alt+1)");
  })) << dump(pane.screen());
  pane.type_line("/switch dev");
  ASSERT_TRUE(pane.wait_for_screen([](const auto& rows) { return prompt_is(rows, "[dev] >"); }))
      << dump(pane.screen());
  pane.type_line("/join lobby");  // in it already: a switch, not a refusal
  ASSERT_TRUE(pane.wait_for_screen([](const auto& rows) { return prompt_is(rows, "[lobby] >"); }))
      << dump(pane.screen());

  // /list for everyone; /rooms stays the operator's.
  pane.type_line("/list");
  ASSERT_TRUE(pane.wait_for_screen([](const auto& rows) {
    return row_is(rows, "* 2 rooms on the server:") &&
           row_is(rows, "*   dev: 2 users (yours, Alt+2)") &&
           row_is(rows, "*   lobby: 2 users (yours, Alt+1, current)");
  })) << dump(pane.screen());
  pane.type_line("/rooms");
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) {
    return row.starts_with("! error NOT_OPERATOR");
  })) << dump(pane.screen());

  // /me: an action, shown as one on both sides.
  pane.type_line("/me waves");
  const auto action = bob.wait_for(Envelope::kChatMessage);
  ASSERT_TRUE(action);
  EXPECT_TRUE(action->chat_message().action());
  EXPECT_EQ(action->chat_message().text(), "waves");
  ASSERT_TRUE(pane.wait_for_screen([](const auto& rows) {
    return row_is(rows, "[lobby] * ann waves");
  })) << dump(pane.screen());

  // /nick, and someone else's rename said once for the two rooms we share.
  pane.type_line("/nick annie");
  ASSERT_TRUE(pane.wait_for_screen([](const auto& rows) {
    return row_is(rows, "* you are now known as annie");
  })) << dump(pane.screen());
  const auto renamed = bob.wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::RENAMED;
  });
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->presence().nickname(), "annie");
  Envelope nick;
  nick.mutable_change_nickname()->set_nickname("robert");
  ASSERT_TRUE(bob.ask(nick, Envelope::kNicknameChanged).has_nickname_changed());
  ASSERT_TRUE(bob.broadcast("lobby", "still me", 2));
  ASSERT_TRUE(pane.wait_for_screen([](const auto& rows) {
    return row_is(rows, "[lobby] <robert> still me");
  })) << dump(pane.screen());
  const std::vector<std::string> rows = pane.screen();
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(),
                          [](const std::string& r) {
                            return trim_right(r) == "* bob is now known as robert";
                          }),
            1)
      << dump(rows);
  pane.type_line("/quit");
}

}  // namespace
}  // namespace chat::testing
