// ServerWatchdog: a server that accepts and then says nothing is noticed and the connection
// closed with a reason; a live server keeps the connection open through many intervals.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "client/chat_connection.h"
#include "client/server_watchdog.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

using namespace std::chrono_literals;

// A listener that accepts connections and never reads or writes: a server that hung, or a host
// that vanished behind a connection the kernel had already completed.
class SilentServer final : private net::IoHandler {
 public:
  SilentServer() {
    net::IoConfig config;
    config.max_connections = 8;
    config.backend = test_io_backend();
    io_ = net::make_io_service(*this, config);
    EXPECT_FALSE(io_->listen({"127.0.0.1", 0}, &bound_));
    worker_ = std::thread([this] { io_->run(); });
  }
  ~SilentServer() override {
    io_->stop();
    worker_.join();
  }
  const net::Endpoint& endpoint() const { return bound_; }

 private:
  void on_accept(net::ConnId, const net::Endpoint&) override {}  // and then nothing, ever
  void on_connect(net::ConnId, std::error_code) override {}
  void on_recv(net::ConnId, net::ByteSpan, std::error_code) override {}
  void on_send(net::ConnId, std::error_code) override {}
  void on_closed(net::ConnId) override {}

  std::unique_ptr<net::IoService> io_;
  net::Endpoint bound_;
  std::thread worker_;
};

// A ChatConnection that records its close reason and counts the Pongs it receives.
struct WatchedConnection {
  explicit WatchedConnection(client::ClientNetwork& network)
      : connection(
            network,
            [this](const proto::Envelope& env) {
              if (env.has_pong()) {
                pongs.fetch_add(1);
              }
            },
            [this](const std::string& reason) {
              std::lock_guard lock(mutex);
              close_reason = reason;
            }) {}
  std::string reason() {
    std::lock_guard lock(mutex);
    return close_reason;
  }
  std::atomic<int> pongs{0};
  std::mutex mutex;
  std::string close_reason;
  client::ChatConnection connection;  // last: closed before the fields its callbacks write
};

TEST(ServerWatchdog, ASilentServerIsNoticedAndTheConnectionClosedWithTheReason) {
  SilentServer server;
  client::ClientNetwork network(1, 4, test_io_backend());
  WatchedConnection client(network);
  // Before the connect: the silence the watchdog measures starts when the connection opens,
  // which may come a little before connect() returns.
  const auto opened = std::chrono::steady_clock::now();
  ASSERT_FALSE(client.connection.connect(server.endpoint(), 5s));
  client::ServerWatchdog watchdog(client.connection, 100ms, 300ms);
  ASSERT_TRUE(client.connection.wait_closed(10s)) << "the watchdog never gave up on the server";
  EXPECT_GE(std::chrono::steady_clock::now() - opened, 300ms) << "closed before the timeout";
  EXPECT_EQ(client.reason().rfind("server not responding (nothing received for", 0), 0u)
      << client.reason();
}

TEST(ServerWatchdog, ALiveServerAnswersItsPingsAndTheConnectionStays) {
  TestServer server;  // no heartbeat of its own: only the watchdog's Pings get answers
  client::ClientNetwork network(1, 4, test_io_backend());
  WatchedConnection client(network);
  ASSERT_FALSE(client.connection.connect(server.endpoint(), 5s));
  client::ServerWatchdog watchdog(client.connection, 50ms, 400ms);
  // Each Pong answers a Ping sent after 50 ms of silence: eight of them span far more than the
  // 400 ms timeout, so the connection stayed open only because the answers counted.
  for (int waited = 0; client.pongs.load() < 8 && waited < 1000; ++waited) {
    client.connection.wait_closed(10ms);
  }
  EXPECT_GE(client.pongs.load(), 8);
  EXPECT_TRUE(client.connection.is_open()) << client.reason();
}

}  // namespace
}  // namespace chat::testing
