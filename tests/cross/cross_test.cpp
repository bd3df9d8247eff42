// Linux and Windows builds talking to each other: the Windows chat_server.exe under Wine with
// native Linux clients, and the Windows chat_client.exe against the native Linux server. Built
// only when the Linux build is told where the Windows build is (CHAT_CROSS_WINDOWS_DIR).
#include <gtest/gtest.h>

#include <algorithm>

#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

const std::string kWine = CHAT_WINE;
const std::string kWindowsServer = CHAT_WINDOWS_SERVER_EXE;
const std::string kWindowsClient = CHAT_WINDOWS_CLIENT_EXE;
constexpr auto kWineWait = std::chrono::seconds(60);  // a cold Wine start is slow

bool is_chat(const Envelope& e) {
  return e.has_chat_message();
}

TEST(CrossPlatform, WindowsServerUnderWineServesLinuxClientsAndStopsOnCtrlC) {
  // Flood control off: the two clients send their 50 messages each as fast as they can.
  ChildProcess server({kWine, kWindowsServer, "--port", "0", "--log-level", "warn", "--flood-rate",
                       "0", "--db", ":memory:"});
  ASSERT_TRUE(server.started());
  const std::uint16_t port = parse_listening(server.read_line(kWineWait));
  ASSERT_NE(port, 0) << "the Windows server did not print its listening line";
  client::ClientNetwork network(2, 16);
  TestClient alice(network, {"127.0.0.1", port});
  TestClient bob(network, {"127.0.0.1", port});
  ASSERT_TRUE(alice.connected()) << alice.connect_error();
  ASSERT_TRUE(bob.connected()) << bob.connect_error();
  ASSERT_TRUE(alice.join("alice").has_welcome());
  ASSERT_TRUE(bob.join("bob").has_welcome());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(alice.broadcast("lobby", "a" + std::to_string(i), i + 1));
    ASSERT_TRUE(bob.broadcast("lobby", "b" + std::to_string(i), i + 1));
  }
  const auto at_bob = bob.wait_count(is_chat, 50);
  const auto at_alice = alice.wait_count(is_chat, 50);
  ASSERT_EQ(at_bob.size(), 50u);
  ASSERT_EQ(at_alice.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(at_bob[i].chat_message().text(), "a" + std::to_string(i));
    EXPECT_EQ(at_alice[i].chat_message().text(), "b" + std::to_string(i));
  }
  ASSERT_TRUE(alice.whisper("bob", "psst", 99));
  const auto whisper = bob.wait_for(is_chat);
  ASSERT_TRUE(whisper);
  EXPECT_TRUE(whisper->chat_message().whisper());
  // SIGINT to the Wine process arrives in the server as CTRL_C_EVENT.
  server.interrupt();
  const auto notice = alice.wait_for(Envelope::kNotice, kWineWait);
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->notice().kind(), proto::Notice::SHUTDOWN);
  EXPECT_TRUE(bob.wait_for(Envelope::kNotice, kWineWait));
  EXPECT_TRUE(alice.wait_closed(kWineWait));
  EXPECT_EQ(server.wait(kWineWait), 0);
}

TEST(CrossPlatform, WindowsClientUnderWineTalksToTheLinuxServer) {
  TestServer server;
  client::ClientNetwork network(1, 8);
  TestClient linux_user(network, server.endpoint());
  ASSERT_TRUE(linux_user.join("tux").has_welcome());
  ChildProcess windows_user({kWine, kWindowsClient, "--port",
                             std::to_string(server.endpoint().port), "--nick", "winnie"});
  windows_user.write_stdin("hello from windows\n/w tux just you\n/users\n");
  const auto said = linux_user.wait_for(is_chat, kWineWait);
  ASSERT_TRUE(said);
  EXPECT_EQ(said->chat_message().from(), "winnie");
  EXPECT_EQ(said->chat_message().text(), "hello from windows");
  const auto whispered = linux_user.wait_for(is_chat, kWineWait);
  ASSERT_TRUE(whispered);
  EXPECT_TRUE(whispered->chat_message().whisper());
  ASSERT_TRUE(linux_user.broadcast("lobby", "hello from linux", 1));
  ASSERT_TRUE(linux_user.wait_for(Envelope::kAck));
  // Let the Windows client see the reply before its input ends (end of input means quit).
  linux_user.wait_for([](const Envelope&) { return false; }, std::chrono::milliseconds(500));
  windows_user.close_stdin();
  std::string out = windows_user.read_all(kWineWait);
  EXPECT_EQ(windows_user.wait(kWineWait), 0);
  out.erase(std::remove(out.begin(), out.end(), '\r'), out.end());
  EXPECT_NE(out.find("[lobby] <winnie> hello from windows\n"), std::string::npos) << out;
  EXPECT_NE(out.find("[whisper to tux] just you\n"), std::string::npos) << out;
  EXPECT_NE(out.find("* users in lobby (2): tux, winnie\n"), std::string::npos) << out;
  EXPECT_NE(out.find("[lobby] <tux> hello from linux\n"), std::string::npos) << out;
  const auto left = linux_user.wait_for(Envelope::kPresence, kWineWait);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().nickname(), "winnie");
}

}  // namespace
}  // namespace chat::testing
