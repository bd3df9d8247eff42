// chat_client on a terminal, as a person sees it: tmux runs the real client in a pane of a fixed
// width against a real chat_server, other clients send it hostile text, and capture-pane reads
// the screen. Linux only (tmux; tests/CMakeLists.txt passes its path as CHAT_TMUX).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "programs/tmux_pane.h"
#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/test_client.h"

namespace chat::testing {
namespace {

const std::string kServer = CHAT_SERVER_EXE;
const std::string kClient = CHAT_CLIENT_EXE;
const std::string kBot = CHAT_BOT_EXE;

// The lines the client printed, each put back together from its rows: a row that starts with
// the continuation indent belongs to the line above it.
std::vector<std::string> logical_lines(const std::vector<std::string>& rows) {
  std::vector<std::string> lines;
  for (const std::string& row : rows) {
    if (row.starts_with("  ") && !lines.empty()) {
      lines.back() += row.substr(2);
    } else {
      lines.push_back(row);
    }
  }
  for (std::string& line : lines) {
    line = trim_right(line);
  }
  return lines;
}

void send_and_wait_for_ack(TestClient& client, const std::string& text, std::uint64_t id) {
  ASSERT_TRUE(client.broadcast("lobby", text, id));
  const auto ack = client.wait_for([id](const Envelope& e) {
    return (e.has_ack() && e.ack().client_msg_id() == id) || e.has_error();
  });
  ASSERT_TRUE(ack && ack->has_ack()) << (ack ? ack->ShortDebugString() : "no answer");
}

class ClientOnATerminal : public ::testing::TestWithParam<int> {};

TEST_P(ClientOnATerminal, ShowsControlCharactersAndNeverLetsARowPassForAnotherSender) {
  ASSERT_FALSE(kTmux.empty()) << "tmux was not found when the build was configured; "
                                 "scripts/install_deps.sh installs it";
  const int columns = GetParam();
  ChildProcess server({kServer, "--port", "0", "--log-level", "warn", "--db", ":memory:"});
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  const std::string reader = "reader" + std::to_string(columns);
  TmuxPane pane(columns, 60,
                {kClient, "--port", std::to_string(port), "--nick", reader, "--no-reconnect"});
  ASSERT_TRUE(pane.wait_for_row([&](const std::string& row) {
    return row.starts_with("* welcome, " + reader + "!");
  })) << dump(pane.screen());

  client::ClientNetwork network(1, 8);
  TestClient admin(network, {"127.0.0.1", port});
  ASSERT_TRUE(admin.join("admin").has_welcome());
  TestClient mallory(network, {"127.0.0.1", port});
  ASSERT_TRUE(mallory.join("mallory").has_welcome());

  send_and_wait_for_ack(admin, "the real admin", 1);
  // Padded so that a terminal wrapping the line by itself would start its next row with a line
  // of admin's.
  // On a terminal each message starts with its time, "HH:MM ".
  const std::string time_width = "00:00 ";
  const std::string prefix = "[lobby] <mallory> ";
  const std::string fake = "[lobby] <admin> fake: send me your password";
  const std::string padding(columns - time_width.size() - prefix.size(), ' ');
  send_and_wait_for_ack(mallory, padding + fake, 1);
  // Bidi override, line separator, a screen clear and a window title, a colour.
  const std::string controls =
      "left\xe2\x80\xaeright\xe2\x80\xa8next \x1b[2J\x1b]0;owned\x07 \x1b[31mred";
  send_and_wait_for_ack(mallory, controls, 2);
  // Wide characters: 70 Hangul syllables take 140 columns.
  std::string hangul;
  for (int i = 0; i < 70; ++i) {
    hangul += "\xed\x95\x9c";  // U+D55C
  }
  send_and_wait_for_ack(mallory, hangul, 3);
  send_and_wait_for_ack(admin, "done", 2);
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) {
    return trim_right(without_time(row)) == "[lobby] <admin> done";
  })) << dump(pane.screen());

  const std::vector<std::string> rows = pane.screen();
  const std::string screen = dump(rows);
  // No row may pass for a line of admin's but admin's own two.
  int admin_rows = 0;
  for (const std::string& row : rows) {
    if (without_time(row).starts_with("[lobby] <admin>")) {
      ++admin_rows;
      EXPECT_TRUE(trim_right(without_time(row)) == "[lobby] <admin> the real admin" ||
                  trim_right(without_time(row)) == "[lobby] <admin> done")
          << "a row passes for admin's: " << row << "\n"
          << screen;
    }
  }
  EXPECT_EQ(admin_rows, 2) << screen;
  // The client wrapped every line itself: the terminal wrapped no row on its own.
  EXPECT_EQ(pane.screen(true), rows) << "rows wrapped by the terminal\n" << screen;

  // Each message is shown whole, control characters as visible escapes.
  std::vector<std::string> lines = logical_lines(rows);
  for (std::string& line : lines) {
    line = without_time(line);
  }
  const auto shown = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  EXPECT_TRUE(shown(prefix + padding + fake)) << screen;
  EXPECT_TRUE(shown(prefix + "left\\u202Eright\\u2028next \\x1b[2J\\x1b]0;owned\\x07 \\x1b[31mred"))
      << screen;
  EXPECT_TRUE(shown(prefix + hangul)) << screen;
  EXPECT_TRUE(shown("[lobby] <admin> the real admin")) << screen;
}

// The input line as the screen shows it: the rows from the prompt's on, put back together (the
// client breaks them itself); nullopt unless exactly one row starts with the prompt, since a
// copy of the input left above it is what a wrong redraw looks like.
std::optional<std::string> input_on_screen(const std::vector<std::string>& rows,
                                           const std::string& prompt) {
  const auto is_prompt = [&](const std::string& row) { return row.starts_with(prompt); };
  if (std::count_if(rows.begin(), rows.end(), is_prompt) != 1) {
    return std::nullopt;
  }
  std::string input;
  for (auto it = std::find_if(rows.begin(), rows.end(), is_prompt); it != rows.end(); ++it) {
    input += *it;
  }
  return trim_right(input).substr(prompt.size());
}

bool has_chat(TestClient& client, const std::string& from, const std::string& text) {
  return client
      .wait_for([&](const Envelope& e) {
        return e.has_chat_message() && e.chat_message().from() == from &&
               e.chat_message().text() == text;
      })
      .has_value();
}

// An input line of Korean, emoji and combining text, a few rows long, typed while messages
// arrive and the window is resized; then edited with the keys a line editor has, sent, and sent
// again from the history.
TEST_P(ClientOnATerminal, EditsALongLineWhileMessagesArriveAndTheWindowResizes) {
  ASSERT_FALSE(kTmux.empty()) << "tmux was not found when the build was configured; "
                                 "scripts/install_deps.sh installs it";
  const int columns = GetParam();
  ChildProcess server({kServer, "--port", "0", "--log-level", "warn", "--db", ":memory:"});
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  TmuxPane pane(columns, 40,
                {kClient, "--port", std::to_string(port), "--nick", "typer", "--no-reconnect"});
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) {
    return row.starts_with("* users in lobby");
  })) << dump(pane.screen());
  client::ClientNetwork network(1, 8);
  TestClient other(network, {"127.0.0.1", port});
  ASSERT_TRUE(other.join("other").has_welcome());

  // Hangul syllables, e + U+0301, é, 👍 (U+1F44D): text whose width tmux agrees on (it draws
  // 👍🏽 four columns wide, as two emoji, where utf8proc and most terminals have two).
  const std::string words = "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 e\xcc\x81t\xc3\xa9";
  const std::string thumbs_up = "\xf0\x9f\x91\x8d";
  const std::string piece = words + " " + thumbs_up + " ok ";
  std::string typed;
  while (typed.size() < static_cast<std::size_t>(columns) * 3) {
    typed += piece;
  }
  const std::string prompt = "[lobby] > ";
  pane.type(typed);
  ASSERT_TRUE(pane.wait_for_screen([&](const auto& rows) {
    return input_on_screen(rows, prompt) == trim_right(typed);
  })) << dump(pane.screen());
  for (int i = 1; i <= 5; ++i) {
    send_and_wait_for_ack(other, "message " + std::to_string(i), static_cast<std::uint64_t>(i));
  }
  // Shown with the time it was said.
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) {
    return trim_right(without_time(row)) == "[lobby] <other> message 5" && without_time(row) != row;
  })) << dump(pane.screen());
  EXPECT_EQ(input_on_screen(pane.screen(), prompt), trim_right(typed)) << dump(pane.screen());

  for (const int width : {columns / 2, columns}) {
    pane.resize(width);
    EXPECT_TRUE(pane.wait_for_screen([&](const auto& rows) {
      return input_on_screen(rows, prompt) == trim_right(typed);
    })) << width
        << " columns\n"
        << dump(pane.screen());
  }

  // Backspace takes 👍 whole; Home, End and Left move by character; Ctrl+W takes a word.
  pane.keys({"BSpace", "BSpace", "BSpace", "BSpace"});  // " ok "
  pane.keys({"BSpace"});                                // 👍
  pane.keys({"BSpace"});                                // " ": the line ends with `words`
  pane.keys({"Home"});
  pane.type("<");
  pane.keys({"End"});
  pane.type(">");
  pane.keys({"Left", "Left"});
  pane.type("!");             // "...e\u0301t!é>"
  pane.keys({"C-e", "C-w"});  // takes "e\u0301t!é>"
  pane.type("end");
  const std::string expected = "<" + typed.substr(0, typed.size() - piece.size()) +
                               "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 end";
  pane.keys({"Enter"});
  EXPECT_TRUE(has_chat(other, "typer", expected)) << dump(pane.screen());
  pane.keys({"Up", "Enter"});
  EXPECT_TRUE(has_chat(other, "typer", expected)) << "no copy from the history\n"
                                                  << dump(pane.screen());
  // 👍🏽 at the end of a short line (where tmux's width for it does not matter) goes whole.
  pane.type("x\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd");
  pane.keys({"BSpace", "Enter"});
  EXPECT_TRUE(has_chat(other, "typer", "x")) << dump(pane.screen());
}

// chat_bot's live progress line (on a terminal) is gone once the summary is printed: a line of
// numbers from a second before the end is not left above it.
TEST(BotOnATerminal, TheProgressLineIsErasedBeforeTheSummary) {
  ASSERT_FALSE(kTmux.empty()) << "tmux was not found when the build was configured; "
                                 "scripts/install_deps.sh installs it";
  ChildProcess server({kServer, "--port", "0", "--log-level", "warn", "--db", ":memory:"});
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  // Idle bots held for 2 s: the progress line shows at 1 s.
  TmuxPane pane(120, 30,
                {kBot, "--port", std::to_string(port), "--scenario", "idle", "--clients", "2",
                 "--hold", "2"});
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) {
    return row.find("errors") != std::string::npos && row.starts_with("holding");
  })) << dump(pane.screen());
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) { return row.starts_with("  result"); }))
      << dump(pane.screen());
  for (const std::string& row : pane.screen()) {
    EXPECT_FALSE(row.starts_with("holding")) << dump(pane.screen());
  }
}

// The server's console asks for a password without echo (passwd NICK). A shutdown that comes
// while it waits (here SIGTERM; Ctrl+C or an operator's shutdown alike) must give the terminal
// its echo back: the operator's shell is left as it was.
TEST(ServerConsoleOnATerminal, AShutdownDuringAPasswordPromptLeavesEchoOn) {
  ASSERT_FALSE(kTmux.empty()) << "tmux was not found when the build was configured; "
                                 "scripts/install_deps.sh installs it";
  // The shell reports the terminal's echo setting after the server ends, in the same pane.
  const std::string script = "'" + kServer +
                             "' --port 0 --log-level warn --db ''; echo; "
                             "stty -a | tr ' ' '\\n' | grep -x -e echo -e -echo | "
                             "sed 's/^/TERMINAL /'";
  TmuxPane pane(100, 30, {"sh", "-c", script});
  std::uint16_t port = 0;
  ASSERT_TRUE(pane.wait_for_row([&](const std::string& row) {
    port = parse_listening(row);
    return port != 0;
  })) << dump(pane.screen());
  client::ClientNetwork network(1, 8);
  register_account(network, {"127.0.0.1", port}, "alice", "correct horse");
  pane.type_line("passwd alice");
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) {
    return row.starts_with("new password for alice");
  })) << dump(pane.screen());
  // The server is the shell's only child.
  const int shell = pane.pane_pid();
  std::ifstream children("/proc/" + std::to_string(shell) + "/task/" + std::to_string(shell) +
                         "/children");
  int server = 0;
  ASSERT_TRUE(children >> server) << "no server under the pane's shell";
  ASSERT_EQ(::kill(server, SIGTERM), 0);
  ASSERT_TRUE(pane.wait_for_row([](const std::string& row) {
    return row.starts_with("TERMINAL ");
  })) << dump(pane.screen());
  const std::vector<std::string> rows = pane.screen();
  EXPECT_NE(std::find(rows.begin(), rows.end(), "TERMINAL echo"), rows.end()) << dump(rows);
}

INSTANTIATE_TEST_SUITE_P(Widths, ClientOnATerminal, ::testing::Values(40, 80, 120),
                         [](const auto& width) { return std::to_string(width.param) + "Columns"; });

}  // namespace
}  // namespace chat::testing
