// An Acked message survives the server's sudden death: the real chat_server on a database file,
// a client sending as fast as it is acknowledged, the server killed (kill -9) in the middle of
// it, then started again on the same file. Every message that was Acked must be in the history.
#include <gtest/gtest.h>

#include <thread>

#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/temp_database.h"
#include "support/test_client.h"

namespace chat::testing {
namespace {

const std::string kServerBinary = CHAT_SERVER_EXE;
constexpr int kMaxSent = 9000;  // under the 10000 the restarted server replays
constexpr std::size_t kKillAfterAcks = 500;

// A replay of 10000 must fit the joiner's send queue (protocol.md, "replay limit"): short texts
// and a 16 MiB queue allow 16 MiB / 2 / (64 + 256) = 26214.
std::vector<std::string> server_argv(const std::string& db) {
  return {kServerBinary,
          "--port",
          "0",
          "--log-level",
          "warn",
          "--db",
          db,
          "--flood-rate",
          "0",
          "--history",
          "10000",
          "--max-text-bytes",
          "64",
          "--send-queue-bytes",
          "16777216"};
}

bool is_ack(const Envelope& e) {
  return e.has_ack();
}

TEST(ServerDurability, EveryAckedMessageSurvivesKillDashNine) {
  TempDatabase db;
  std::size_t acked = 0;
  {
    ChildProcess server(server_argv(db.path()));
    const std::uint16_t port = parse_listening(server.read_line(kWait));
    ASSERT_NE(port, 0);
    client::ClientNetwork network(1, 8);
    TestClient alice(network, {"127.0.0.1", port});
    ASSERT_TRUE(alice.join("alice").has_welcome());
    // The sender keeps a steady stream going (100 messages a millisecond at most) until the
    // connection dies, so the kill lands in the middle of it however fast the machine is.
    std::thread sender([&] {
      for (int i = 1; i <= kMaxSent; ++i) {
        if (!alice.broadcast("lobby", "k" + std::to_string(i), static_cast<std::uint64_t>(i))) {
          return;
        }
        if (i % 100 == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
    });
    const auto first = alice.wait_count(is_ack, kKillAfterAcks);
    server.kill_hard();  // mid-stream: more messages are on their way in and to the disk
    sender.join();
    ASSERT_GE(first.size(), kKillAfterAcks);
    ASSERT_TRUE(server.wait(kWait));
    // The server is gone. Its end of the connection closes with it on Linux; under Wine the
    // killed process's sockets may stay open for a while, so end ours instead of waiting on the
    // operating system: an Ack that did not arrive by now is not counted as acked.
    alice.close();
    ASSERT_TRUE(alice.wait_closed());
    acked = first.size();
    for (const Envelope& e : alice.take_all()) {
      acked += is_ack(e) ? 1 : 0;  // the ones that arrived before the end
    }
    // Acks come in the order sent: the acked messages are k1..k<acked>.
    EXPECT_EQ(first.back().ack().client_msg_id(), first.size());
  }
  ASSERT_LT(acked, static_cast<std::size_t>(kMaxSent)) << "the kill came too late to test anything";

  ChildProcess restarted(server_argv(db.path()));
  const std::uint16_t port = parse_listening(restarted.read_line(kWait));
  ASSERT_NE(port, 0);
  client::ClientNetwork network(1, 8);
  TestClient bob(network, {"127.0.0.1", port});
  ASSERT_TRUE(bob.join("bob").has_welcome());
  const auto past = bob.wait_count(
      [](const Envelope& e) { return e.has_chat_message() && e.chat_message().history(); }, acked);
  // Possibly more: stored, but killed before its Ack went out.
  ASSERT_GE(past.size(), acked) << "Acked messages were lost";
  for (std::size_t i = 0; i < acked; ++i) {
    ASSERT_EQ(past[i].chat_message().text(), "k" + std::to_string(i + 1)) << "at " << i;
  }
  restarted.interrupt();
  EXPECT_EQ(restarted.wait(kWait), 0);
}

}  // namespace
}  // namespace chat::testing
