// The real chat_server under a crowd of hostile and broken clients: thousands of connections
// that never join, clients that die mid-frame, half-close, send garbage, or ask and never read.
// Meanwhile a group of well-behaved clients chats for a second and must lose nothing, see nothing
// twice and nothing out of order, and the server must stay within its memory bound.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "client/bot/process_memory.h"
#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/test_client.h"

namespace chat::testing {
namespace {

using namespace std::chrono_literals;

const std::string kServerExe = CHAT_SERVER_EXE;
constexpr int kIdleConnections = 2000;
constexpr int kGoodClients = 4;
constexpr int kMessagesEach = 20;  // one every 50 ms: a second of chat, inside the flood limit
// The bound the server must stay within, beyond what it held before the crowd arrived: the idle
// connections (a few hundred bytes each), the send queues of the clients that never read (each
// capped by --send-queue-soft-bytes while it is read from), and allocator slack.
constexpr std::uint64_t kMemoryBoundBytes = 64u << 20;

// The hostile crowd: each kind of misbehaviour in a loop until `stop`.
void misbehave(client::ClientNetwork& network, const net::Endpoint& server,
               const std::atomic<bool>& stop, std::atomic<int>& rounds) {
  std::mt19937 random(7);
  std::vector<std::unique_ptr<TestClient>> never_reading;
  while (!stop.load()) {
    {  // dies mid-frame: a prefix promising 100 bytes, 10 of them, then a reset
      TestClient c(network, server);
      c.send_raw(std::string(1, '\x64') + std::string(10, 'x'));
      c.close();
    }
    {  // half-closes right after joining
      TestClient c(network, server);
      Envelope join;
      join.mutable_join()->set_nickname("half" + std::to_string(rounds.load()));
      c.send(join);
      c.finish_sending();
      c.wait_closed(kWait);
    }
    {  // garbage
      TestClient c(network, server);
      std::string noise(64, '\0');
      for (char& byte : noise) {
        byte = static_cast<char>(random());
      }
      c.send_raw(noise);
      c.finish_sending();  // random bytes may read as the start of a long frame: end it here
      c.wait_closed(kWait);
    }
    if (never_reading.size() < 10) {  // joins, asks for big echoes, never reads a reply
      auto c = std::make_unique<TestClient>(network, server);
      c->pause_receiving();
      Envelope join;
      join.mutable_join()->set_nickname("deaf" + std::to_string(never_reading.size()));
      c->send(join);
      Envelope echo;
      echo.mutable_echo()->set_text(std::string(4000, 'e'));
      for (int i = 0; i < 100; ++i) {
        c->send(echo);
      }
      never_reading.push_back(std::move(c));
    }
    rounds.fetch_add(1);
  }
}

TEST(ServerUnderAbuse, WellBehavedClientsChatOnUndisturbedWithinAMemoryBound) {
  ChildProcess server({kServerExe, "--port", "0", "--log-level", "error", "--db",
                       ":memory:", "--max-clients", std::to_string(kIdleConnections + 200)});
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  const net::Endpoint at{"127.0.0.1", port};
  const std::optional<std::uint64_t> before = bot::resident_bytes(server.pid());
  ASSERT_TRUE(before) << "cannot read the server's memory use";

  client::ClientNetwork network(2, kIdleConnections + 100);
  std::vector<std::unique_ptr<client::ChatConnection>> idle;
  for (int i = 0; i < kIdleConnections; ++i) {
    idle.push_back(std::make_unique<client::ChatConnection>(
        network, [](const Envelope&) {}, [](const std::string&) {}));
    ASSERT_FALSE(idle.back()->connect(at, kWait)) << "idle connection " << i;
  }
  std::vector<std::unique_ptr<TestClient>> good;
  for (int i = 0; i < kGoodClients; ++i) {
    good.push_back(std::make_unique<TestClient>(network, at));
    ASSERT_TRUE(good.back()->join("good" + std::to_string(i)).has_welcome()) << i;
  }

  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::thread crowd([&] { misbehave(network, at, stop, rounds); });
  for (int k = 0; k < kMessagesEach; ++k) {
    for (int i = 0; i < kGoodClients; ++i) {
      ASSERT_TRUE(
          good[i]->broadcast("lobby", std::to_string(k), static_cast<std::uint64_t>(k) + 1));
    }
    std::this_thread::sleep_for(50ms);  // the pace of people chatting, not a synchronisation
  }
  // Every message from every other good client, once, in the order sent.
  for (int i = 0; i < kGoodClients; ++i) {
    const auto from_good = [](const Envelope& e) {
      return e.has_chat_message() && e.chat_message().from().rfind("good", 0) == 0;
    };
    const auto got = good[i]->wait_count(from_good, (kGoodClients - 1) * kMessagesEach);
    std::map<std::string, int> next;
    for (const Envelope& e : got) {
      const std::string& from = e.chat_message().from();
      EXPECT_NE(from, "good" + std::to_string(i)) << "a client received its own message";
      EXPECT_EQ(e.chat_message().text(), std::to_string(next[from]++)) << "from " << from;
    }
    EXPECT_EQ(got.size(), static_cast<std::size_t>((kGoodClients - 1) * kMessagesEach))
        << "good" << i << " lost messages";
    EXPECT_FALSE(good[i]->wait_for(from_good, 0ms)) << "good" << i << " got a duplicate";
  }
  stop.store(true);
  crowd.join();
  EXPECT_GT(rounds.load(), 0);

  const std::optional<std::uint64_t> after = bot::resident_bytes(server.pid());
  ASSERT_TRUE(after);
  EXPECT_LE(*after, *before + kMemoryBoundBytes)
      << "the server grew from " << *before << " to " << *after << " bytes";
  std::cerr << "server memory: " << (*before >> 10) << " KiB before, " << (*after >> 10)
            << " KiB with " << kIdleConnections << " idle connections and " << rounds.load()
            << " rounds of the crowd\n";
  idle.clear();
  good.clear();
  server.interrupt();
  EXPECT_EQ(server.wait(kWait), 0);
}

}  // namespace
}  // namespace chat::testing
