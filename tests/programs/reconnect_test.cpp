// chat_client reconnects by itself: the real server on a database file is killed (kill -9) in the
// middle of a conversation and started again on the same port, and the client resumes its room
// with every message, once each, in order. Plus what the user sees when there is nothing to come
// back to.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <thread>

#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/temp_database.h"
#include "support/test_client.h"

namespace chat::testing {
namespace {

const std::string kServer = CHAT_SERVER_EXE;
const std::string kClient = CHAT_CLIENT_EXE;
constexpr auto kReconnectWait = 60s;  // the backoff, and under Wine a killed server's lingering
constexpr std::size_t kWindow = 20;   // messages in flight when the server is killed
constexpr std::size_t kRounds = 3;    // acknowledged windows before that

bool is_ack(const Envelope& e) {
  return e.has_ack();
}

// A server on `db` and `port` (0: any). A port just freed by a killed server can stay taken for a
// moment (under Wine the dead process's sockets linger), so a refused start is tried again.
std::unique_ptr<ChildProcess> start_server(const std::string& db, std::uint16_t port,
                                           std::uint16_t& bound) {
  const auto deadline = std::chrono::steady_clock::now() + kReconnectWait;
  for (;;) {
    auto server = std::make_unique<ChildProcess>(
        std::vector<std::string>{kServer, "--port", std::to_string(port), "--log-level", "error",
                                 "--db", db, "--flood-rate", "0"});
    bound = parse_listening(server->read_line(kWait));
    if (bound != 0 || std::chrono::steady_clock::now() > deadline) {
      return server;
    }
    server->wait(kWait);
    std::this_thread::sleep_for(200ms);  // the port is not ours to watch: poll it
  }
}

// The lines a client child prints, kept as they are read.
class Transcript {
 public:
  explicit Transcript(ChildProcess& child) : child_(child) {}
  // True once the child has printed exactly `line` (now or before); false at the deadline or
  // the end of its output.
  bool wait_for(const std::string& line, std::chrono::milliseconds timeout = kWait) {
    if (std::find(lines_.begin(), lines_.end(), line) != lines_.end()) {
      return true;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return false;
      }
      auto next = child_.read_line(left);
      if (!next) {
        return false;
      }
      if (!next->empty() && next->back() == '\r') {
        next->pop_back();  // Windows programs end lines with CR LF
      }
      lines_.push_back(std::move(*next));
      if (lines_.back() == line) {
        return true;
      }
    }
  }
  void read_rest() {
    std::string rest = child_.read_all(kWait);
    std::size_t start = 0;
    for (std::size_t nl; (nl = rest.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = rest.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      lines_.push_back(std::move(line));
    }
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  ChildProcess& child_;
  std::vector<std::string> lines_;
};

// The texts of bob's messages in the order the client printed them, and whether any was marked
// "(earlier)" (a resume shows what was missed as live chat).
std::vector<std::string> bobs_texts(const std::vector<std::string>& lines, bool& any_earlier) {
  std::vector<std::string> texts;
  any_earlier = false;
  for (const std::string& line : lines) {
    for (const std::string_view prefix : {"[lobby] <bob> ", "[lobby] (earlier) <bob> "}) {
      if (line.rfind(prefix, 0) == 0) {
        texts.push_back(line.substr(prefix.size()));
        any_earlier = any_earlier || prefix.find("earlier") != std::string_view::npos;
      }
    }
  }
  return texts;
}

TEST(ClientReconnect, ResumesWithoutGapOrDuplicateAfterTheServerIsKilledAndRestarted) {
  TempDatabase db;
  std::uint16_t port = 0;
  auto server = start_server(db.path(), 0, port);
  ASSERT_NE(port, 0);
  ChildProcess alice({kClient, "--port", std::to_string(port), "--nick", "alice"});
  Transcript out(alice);
  ASSERT_TRUE(out.wait_for("* users in lobby (1): alice"));
  alice.write_stdin("mine\n");
  ASSERT_TRUE(out.wait_for("[lobby] <alice> mine"));

  // bob talks in acknowledged windows, then the server dies with a window in flight: some of it
  // may have reached alice live and never been stored (its seqs then go to new messages after
  // the restart), some stored and never Acked.
  std::size_t acked = 0;
  {
    client::ClientNetwork network(1, 8);
    TestClient bob(network, {"127.0.0.1", port});
    ASSERT_TRUE(bob.join("bob").has_welcome());
    std::size_t sent = 0;
    for (std::size_t round = 0; round <= kRounds; ++round) {
      for (std::size_t i = 0; i < kWindow; ++i) {
        ++sent;
        ASSERT_TRUE(bob.broadcast("lobby", "b" + std::to_string(sent), sent));
      }
      if (round < kRounds) {
        ASSERT_EQ(bob.wait_count(is_ack, kWindow).size(), kWindow);
        acked += kWindow;
      }
    }
    // Killed once the window has begun to reach alice: the server is in the middle of it.
    ASSERT_TRUE(out.wait_for("[lobby] <bob> b" + std::to_string(acked + 1)));
    server->kill_hard();
    ASSERT_TRUE(server->wait(kWait));
    bob.close();  // under Wine the dead server's end may linger: what has not come is not Acked
    ASSERT_TRUE(bob.wait_closed());
    for (const Envelope& e : bob.take_all()) {
      acked += is_ack(e) ? 1 : 0;
    }
  }

  // The same port and database; alice is on her own to find it again. bob comes back and says
  // more, likely before alice is back (her first retry waits half a second), so her resume must
  // bring those too.
  std::uint16_t again = 0;
  server = start_server(db.path(), port, again);
  ASSERT_EQ(again, port) << "could not restart the server on its port";
  const std::size_t kAfter = 10;
  {
    client::ClientNetwork network(1, 8);
    TestClient bob(network, {"127.0.0.1", port});
    ASSERT_TRUE(bob.join("bob").has_welcome());
    for (std::size_t i = 1; i <= kAfter; ++i) {
      ASSERT_TRUE(bob.broadcast("lobby", "c" + std::to_string(i), i));
    }
    ASSERT_EQ(bob.wait_count(is_ack, kAfter).size(), kAfter);
    ASSERT_TRUE(out.wait_for("[lobby] <bob> c" + std::to_string(kAfter), kReconnectWait))
        << ::testing::PrintToString(out.lines());
  }
  alice.close_stdin();
  out.read_rest();
  EXPECT_EQ(alice.wait(kWait), 0);
  server->interrupt();
  EXPECT_EQ(server->wait(kWait), 0);

  const auto& lines = out.lines();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "! reconnected"), 1)
      << ::testing::PrintToString(lines);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "[lobby] <alice> mine"), 1)
      << "her own message, Acked before the kill, is not shown again by the resume";
  bool any_earlier = false;
  const std::vector<std::string> texts = bobs_texts(lines, any_earlier);
  EXPECT_FALSE(any_earlier) << ::testing::PrintToString(lines);
  // b1, b2, ... with nothing skipped or repeated: every Acked one, maybe some of the window that
  // was in flight (delivered live before the kill); then c1..c10, each once.
  std::size_t i = 0;
  for (; i < texts.size() && texts[i][0] == 'b'; ++i) {
    ASSERT_EQ(texts[i], "b" + std::to_string(i + 1)) << ::testing::PrintToString(lines);
  }
  EXPECT_GE(i, acked) << "Acked messages missing: " << ::testing::PrintToString(lines);
  ASSERT_EQ(texts.size() - i, kAfter) << ::testing::PrintToString(lines);
  for (std::size_t c = 1; c <= kAfter; ++c, ++i) {
    EXPECT_EQ(texts[i], "c" + std::to_string(c)) << ::testing::PrintToString(lines);
  }
}

TEST(ClientReconnect, GivesUpAfterItsAttemptsWithExitCode4) {
  std::uint16_t port = 0;
  auto server = start_server(":memory:", 0, port);
  ASSERT_NE(port, 0);
  ChildProcess c(
      {kClient, "--port", std::to_string(port), "--nick", "dave", "--reconnect-attempts", "2"});
  Transcript out(c);
  ASSERT_TRUE(out.wait_for("* users in lobby (1): dave"));
  server->interrupt();  // a shutdown with no restart: nothing to come back to
  EXPECT_EQ(server->wait(kWait), 0);
  out.read_rest();  // stdin stays open: only giving up ends the client
  EXPECT_EQ(c.wait(kWait), 4);
  const auto& lines = out.lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.rfind("! connection lost: server closed the connection; reconnecting in ", 0) == 0;
  })) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines.back().rfind("! disconnected: ", 0), 0u) << ::testing::PrintToString(lines);
  EXPECT_NE(lines.back().find("; gave up after 2 attempts"), std::string::npos) << lines.back();
}

TEST(ClientReconnect, LinesTypedWhileAwayAreRefusedAndEndOfInputEndsItAtOnce) {
  std::uint16_t port = 0;
  auto server = start_server(":memory:", 0, port);
  ASSERT_NE(port, 0);
  ChildProcess c({kClient, "--port", std::to_string(port), "--nick", "erin"});
  Transcript out(c);
  ASSERT_TRUE(out.wait_for("* users in lobby (1): erin"));
  server->kill_hard();
  ASSERT_TRUE(server->wait(kWait));
  // Under Wine the killed server's sockets may linger: the loss can take a few seconds to show.
  c.write_stdin("hello?\n");
  bool refused = out.wait_for("! not connected (reconnecting)", 1s);
  for (auto deadline = std::chrono::steady_clock::now() + kReconnectWait;
       !refused && std::chrono::steady_clock::now() < deadline;) {
    c.write_stdin("hello?\n");  // sent, if the loss has not shown yet; refused once it has
    refused = out.wait_for("! not connected (reconnecting)", 1s);
  }
  ASSERT_TRUE(refused) << ::testing::PrintToString(out.lines());
  c.close_stdin();  // while it waits to try again: the client ends now, not after the backoff
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.wait(kWait), 4);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace chat::testing
