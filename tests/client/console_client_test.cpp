#include "client/console_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "client/fake_terminal.h"
#include "net/framing.h"
#include "net/wire/envelope_codec.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::client {
namespace {

using chat::testing::joined_client;
using chat::testing::kWait;
using chat::testing::TestClient;
using chat::testing::TestServer;
using namespace std::chrono_literals;

// A ConsoleClient on a fake terminal, run on a thread of its own; what it exits with is
// exit_code(). The keyboard closes when the client ends its input.
class RunningClient {
 public:
  RunningClient(ConsoleClientFlags flags, bool interactive = false) {
    ConsoleClientIo io;
    io.console.interactive = interactive;
    io.console.raw_mode = false;
    io.console.prompt = "> ";
    io.console.write = screen.writer();
    io.console.read = keys.reader();
    io.end_input = [this] { keys.close(); };
    io.interrupted = &interrupted;
    exit_ = std::async(std::launch::async, [flags = std::move(flags), io = std::move(io)] {
      ConsoleClient client(flags, io);
      return client.run();
    });
  }
  ~RunningClient() {
    keys.close();
    if (exit_.valid()) {
      exit_.wait();
    }
  }
  // The exit code, once run() returned within kWait; nullopt if it did not.
  std::optional<int> exit_code() {
    if (exit_.wait_for(kWait) != std::future_status::ready) {
      return std::nullopt;
    }
    return exit_.get();
  }

  FakeScreen screen;
  FakeKeyboard keys;
  std::atomic<bool> interrupted{false};

 private:
  std::future<int> exit_;
};

ConsoleClientFlags flags_for(const net::Endpoint& server, const std::string& nick) {
  ConsoleClientFlags flags;
  flags.host = server.host;
  flags.port = server.port;
  flags.nick = nick;
  return flags;
}

bool is_chat_from(const proto::Envelope& env, const std::string& from, const std::string& text) {
  return env.has_chat_message() && env.chat_message().from() == from &&
         env.chat_message().text() == text;
}

// A server that answers every Join with a Welcome and, from the second connection on, closes
// as soon as the Welcome is sent: one that accepts a reconnect and drops it at once. drop() ends
// the first connection (the outage that starts the reconnecting).
class WelcomeThenDropServer final : private net::IoHandler {
 public:
  WelcomeThenDropServer() {
    net::IoConfig config;
    config.max_connections = 16;
    config.backend = chat::testing::test_io_backend();
    io_ = net::make_io_service(*this, config);
    EXPECT_FALSE(io_->listen({"127.0.0.1", 0}, &bound_));
    worker_ = std::thread([this] { io_->run(); });
  }
  ~WelcomeThenDropServer() override {
    io_->stop();
    worker_.join();
  }
  const net::Endpoint& endpoint() const { return bound_; }
  void drop() {
    std::vector<net::ConnId> ids;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [index, c] : conns_) {
        ids.push_back(c.id);
      }
    }
    for (const net::ConnId id : ids) {
      io_->close(id);
    }
  }
  int connections() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }

 private:
  struct Conn {
    net::ConnId id;
    std::unique_ptr<net::Framing> framing;
    net::SharedBytes welcome;  // kept until its send completes
    net::ByteSpan span;
    bool drop_after_send = false;
  };
  void on_accept(net::ConnId id, const net::Endpoint&) override {
    {
      std::lock_guard lock(mutex_);
      Conn& c = conns_[id.index];
      c.id = id;
      c.framing = net::make_framing(net::FramingKind::length_prefix, 1 << 20);
      c.drop_after_send = ++accepted_ > 1;
    }
    io_->start_recv(id);
  }
  void on_connect(net::ConnId, std::error_code) override {}
  void on_recv(net::ConnId id, net::ByteSpan data, std::error_code ec) override {
    if (ec || data.empty()) {
      io_->close(id);
      return;
    }
    std::unique_lock lock(mutex_);
    Conn& c = conns_[id.index];
    bool joined = false;
    auto on_frame = [&](net::ByteSpan body) {
      proto::Envelope env;
      joined =
          joined || (wire::decode(body, env).status == wire::DecodeStatus::ok && env.has_join());
      return true;
    };
    c.framing->feed(data, on_frame);
    if (!joined || c.welcome) {
      lock.unlock();
      io_->start_recv(id);  // the first connection reads (and ignores) what follows
      return;
    }
    proto::Envelope welcome;
    welcome.mutable_welcome()->set_nickname("alice");
    welcome.mutable_welcome()->set_server_version("fake");
    c.welcome = wire::encode(welcome);
    c.span =
        net::ByteSpan(reinterpret_cast<const std::byte*>(c.welcome->data()), c.welcome->size());
    const std::span<const net::ByteSpan> buffers(&c.span, 1);
    lock.unlock();
    io_->start_send(id, buffers);
  }
  void on_send(net::ConnId id, std::error_code) override {
    std::unique_lock lock(mutex_);
    const bool drop = conns_[id.index].drop_after_send;
    lock.unlock();
    if (drop) {
      io_->close(id);
    } else {
      io_->start_recv(id);
    }
  }
  void on_closed(net::ConnId id) override {
    std::lock_guard lock(mutex_);
    conns_.erase(id.index);
  }

  std::unique_ptr<net::IoService> io_;
  net::Endpoint bound_;
  std::mutex mutex_;
  std::map<std::uint32_t, Conn> conns_;  // by slot
  int accepted_ = 0;
  std::thread worker_;
};

class ConsoleClientTest : public ::testing::Test {
 protected:
  ClientNetwork network_{1, 2};
};

TEST_F(ConsoleClientTest, SendsTypedLinesToTheRoomAndExitsZeroOnQuit) {
  TestServer server;
  auto bob = joined_client(network_, server.endpoint(), "bob");
  RunningClient alice(flags_for(server.endpoint(), "alice"));
  alice.keys.push("hello there\n/quit\n");
  EXPECT_TRUE(
      bob->wait_for([](const auto& env) { return is_chat_from(env, "alice", "hello there"); }));
  EXPECT_EQ(alice.exit_code(), kExitOk) << alice.screen.all();
}

TEST_F(ConsoleClientTest, EndOfInputWaitsForTheAcksThenSaysGoodbye) {
  TestServer server;
  auto bob = joined_client(network_, server.endpoint(), "bob");
  RunningClient alice(flags_for(server.endpoint(), "alice"));
  alice.keys.push("last words\n");
  alice.keys.close();
  EXPECT_EQ(alice.exit_code(), kExitOk) << alice.screen.all();
  EXPECT_TRUE(
      bob->wait_for([](const auto& env) { return is_chat_from(env, "alice", "last words"); }));
  EXPECT_TRUE(bob->wait_for([](const auto& env) {
    return env.has_presence() && env.presence().nickname() == "alice" &&
           env.presence().kind() == proto::Presence::LEFT;
  }));
}

TEST_F(ConsoleClientTest, NoServerExitsOneSayingSo) {
  net::Endpoint gone;
  {
    TestServer server;  // a port nobody listens on any more
    gone = server.endpoint();
  }
  RunningClient alice(flags_for(gone, "alice"));
  EXPECT_EQ(alice.exit_code(), kExitCannotConnect) << alice.screen.all();
  EXPECT_NE(alice.screen.all().find("! cannot connect to"), std::string::npos)
      << alice.screen.all();
}

TEST_F(ConsoleClientTest, TakenNicknameExitsThreeWhenNobodyTypes) {
  TestServer server;
  auto first = joined_client(network_, server.endpoint(), "alice");
  RunningClient alice(flags_for(server.endpoint(), "alice"));
  EXPECT_EQ(alice.exit_code(), kExitJoinRefused) << alice.screen.all();
}

TEST_F(ConsoleClientTest, TakenNicknameAsksForAnotherOnATerminal) {
  TestServer server;
  auto bob = joined_client(network_, server.endpoint(), "bob");
  auto first = joined_client(network_, server.endpoint(), "alice");
  RunningClient alice(flags_for(server.endpoint(), "alice"), true);
  ASSERT_TRUE(alice.screen.wait_for_text("nickname: ", kWait)) << alice.screen.all();
  alice.keys.push("alice2\rhi from two\r");
  EXPECT_TRUE(
      bob->wait_for([](const auto& env) { return is_chat_from(env, "alice2", "hi from two"); }));
  alice.keys.push("/quit\r");
  EXPECT_EQ(alice.exit_code(), kExitOk) << alice.screen.all();
}

TEST_F(ConsoleClientTest, LostConnectionWithoutReconnectingExitsFour) {
  auto server = std::make_unique<TestServer>();
  ConsoleClientFlags flags = flags_for(server->endpoint(), "alice");
  flags.reconnect = false;
  RunningClient alice(flags);
  auto bob = joined_client(network_, server->endpoint(), "bob");
  ASSERT_TRUE(alice.screen.wait_for_text("* users in lobby", kWait)) << alice.screen.all();
  server->server().shutdown("maintenance");
  EXPECT_EQ(alice.exit_code(), kExitDisconnected) << alice.screen.all();
  EXPECT_NE(alice.screen.all().find("! disconnected:"), std::string::npos) << alice.screen.all();
}

TEST_F(ConsoleClientTest, ReconnectsToARestartedServerAndGoesOn) {
  auto server = std::make_unique<TestServer>();
  const net::Endpoint at = server->endpoint();
  RunningClient alice(flags_for(at, "alice"));
  // The lobby's user list: joined.
  ASSERT_TRUE(alice.screen.wait_for_text("* users in lobby", kWait)) << alice.screen.all();
  server.reset();  // shut down: the client is told, and starts reconnecting
  ASSERT_TRUE(alice.screen.wait_for_text("reconnecting in", kWait)) << alice.screen.all();
  server::ServerConfig cfg = chat::testing::test_config();
  cfg.port = at.port;
  server = std::make_unique<TestServer>(cfg);
  ASSERT_TRUE(alice.screen.wait_for_text("! reconnected", kWait)) << alice.screen.all();
  auto bob = joined_client(network_, server->endpoint(), "bob");
  alice.keys.push("back again\n/quit\n");
  EXPECT_TRUE(
      bob->wait_for([](const auto& env) { return is_chat_from(env, "alice", "back again"); }));
  EXPECT_EQ(alice.exit_code(), kExitOk) << alice.screen.all();
}

// While reconnecting, the rooms being rejoined are still ours: Alt+digit and /switch work.
TEST_F(ConsoleClientTest, RoomsCanBeSwitchedWhileReconnecting) {
  auto server = std::make_unique<TestServer>();
  RunningClient alice(flags_for(server->endpoint(), "alice"), true);
  ASSERT_TRUE(alice.screen.wait_for_text("* users in lobby", kWait)) << alice.screen.all();
  server.reset();
  ASSERT_TRUE(alice.screen.wait_for_text("reconnecting in", kWait)) << alice.screen.all();
  alice.keys.push(
      "\x1b"
      "1");  // Alt+1
  ASSERT_TRUE(alice.screen.wait_for_text("* now talking in lobby (Alt+1)", kWait))
      << alice.screen.all();
  const std::size_t before = alice.screen.all().size();
  alice.keys.push("/switch lobby\r");
  ASSERT_TRUE(alice.screen.wait_for_text_after(before, "* now talking in lobby (Alt+1)", kWait))
      << alice.screen.all();
  EXPECT_EQ(alice.screen.all().find("! you are not in"), std::string::npos) << alice.screen.all();
}

// Too long for the server: refused before sending, and back in the input line to be shortened.
TEST_F(ConsoleClientTest, TooLongTextStaysInTheInputLineToBeShortened) {
  server::ServerConfig cfg = chat::testing::test_config();
  cfg.max_text_bytes = 10;
  TestServer server(cfg);
  auto bob = joined_client(network_, server.endpoint(), "bob");
  RunningClient alice(flags_for(server.endpoint(), "alice"), true);
  ASSERT_TRUE(alice.screen.wait_for_text("* users in lobby", kWait)) << alice.screen.all();
  alice.keys.push("far too long\rpasted too\r");  // a paste of two lines
  ASSERT_TRUE(alice.screen.wait_for_text(
      "! too long: 12 bytes, the server takes up to 10; not sent", kWait))
      << alice.screen.all();
  // The pasted line after it is neither sent ahead of it nor joined to it: it waits, and says so.
  ASSERT_TRUE(alice.screen.wait_for_text(
      "! 1 line pasted after it waits until this line is sent (or emptied)", kWait))
      << alice.screen.all();
  alice.keys.push("\x7f\x7f\x7f\x7f\x7f\r");  // "far too" is left
  EXPECT_TRUE(bob->wait_for([](const auto& env) { return is_chat_from(env, "alice", "far too"); }));
  EXPECT_TRUE(
      bob->wait_for([](const auto& env) { return is_chat_from(env, "alice", "pasted too"); }));
  alice.keys.push("/quit\r");
  EXPECT_EQ(alice.exit_code(), kExitOk) << alice.screen.all();
}

// /register asks for the password twice, masked, as the login prompt does.
TEST_F(ConsoleClientTest, RegisterAsksForThePasswordMasked) {
  TestServer server(chat::testing::test_config_for_accounts());
  RunningClient alice(flags_for(server.endpoint(), "alice"), true);
  ASSERT_TRUE(alice.screen.wait_for_text("* users in lobby", kWait)) << alice.screen.all();
  alice.keys.push("/register\r");
  ASSERT_TRUE(alice.screen.wait_for_text("password for alice (8 to 128 bytes): ", kWait))
      << alice.screen.all();
  alice.keys.push("horse-battery");
  ASSERT_TRUE(alice.screen.wait_for_text("*************", kWait)) << alice.screen.all();
  alice.keys.push("\r");
  ASSERT_TRUE(alice.screen.wait_for_text("the same password again: ", kWait)) << alice.screen.all();
  alice.keys.push("horse-battery\r");
  ASSERT_TRUE(alice.screen.wait_for_text("* alice is registered to you", kWait))
      << alice.screen.all();
  const std::string screen = alice.screen.all();
  EXPECT_EQ(screen.find("horse"), std::string::npos) << screen;
  alice.keys.push("/quit\r");
  EXPECT_EQ(alice.exit_code(), kExitOk) << alice.screen.all();
}

// A password typed on the /register line is never brought back by Up.
TEST_F(ConsoleClientTest, APasswordTypedOnTheLineIsNotKeptInTheHistory) {
  TestServer server(chat::testing::test_config_for_accounts());
  RunningClient alice(flags_for(server.endpoint(), "alice"), true);
  ASSERT_TRUE(alice.screen.wait_for_text("* users in lobby", kWait)) << alice.screen.all();
  alice.keys.push("/echo before\r/register horse-battery\r");
  ASSERT_TRUE(alice.screen.wait_for_text("* alice is registered to you", kWait))
      << alice.screen.all();
  const std::size_t before = alice.screen.all().size();
  alice.keys.push("\x1b[A");  // Up: the line before the password's
  ASSERT_TRUE(alice.screen.wait_for_text_after(before, "/echo before", kWait))
      << alice.screen.all();
  EXPECT_EQ(alice.screen.all().find("horse", before), std::string::npos) << alice.screen.all();
  alice.keys.push("\x15/quit\r");
  EXPECT_EQ(alice.exit_code(), kExitOk) << alice.screen.all();
}

// The give-up line counts in words: "1 attempt".
TEST_F(ConsoleClientTest, GivingUpAfterOneAttemptSaysAttempt) {
  auto server = std::make_unique<TestServer>();
  ConsoleClientFlags flags = flags_for(server->endpoint(), "alice");
  flags.reconnect_attempts = 1;
  RunningClient alice(flags);
  ASSERT_TRUE(alice.screen.wait_for_text("* users in lobby", kWait)) << alice.screen.all();
  server.reset();
  EXPECT_EQ(alice.exit_code(), kExitDisconnected) << alice.screen.all();
  EXPECT_NE(alice.screen.all().find("; gave up after 1 attempt\n"), std::string::npos)
      << alice.screen.all();
}

// With colour (a terminal without NO_COLOR): your own lines green, information cyan; each row
// ends the colour. Without, no escape at all.
TEST_F(ConsoleClientTest, ColoursLinesOnlyWhenAsked) {
  TestServer server;
  for (const bool colour : {true, false}) {
    SCOPED_TRACE(colour);
    ConsoleClientIo io;
    io.colour = colour;
    FakeScreen screen;
    FakeKeyboard keys;
    io.console.interactive = false;
    io.console.write = screen.writer();
    io.console.read = keys.reader();
    io.end_input = [&] { keys.close(); };
    keys.push("colourful\n/quit\n");
    ConsoleClient client(flags_for(server.endpoint(), "alice"), io);
    EXPECT_EQ(client.run(), kExitOk) << screen.all();
    const std::string all = screen.all();
    if (colour) {
      EXPECT_NE(all.find("\x1b[32m[lobby] <alice> colourful\x1b[0m\n"), std::string::npos) << all;
      EXPECT_NE(all.find("\x1b[36m* users in lobby (1): alice\x1b[0m\n"), std::string::npos) << all;
    } else {
      EXPECT_EQ(all.find('\x1b'), std::string::npos) << all;
    }
  }
}

// A banned nickname at start: the reason and the end of the ban, then a clean exit (code 3),
// not a nickname prompt whose answer goes to a closed connection.
TEST_F(ConsoleClientTest, ABannedNicknameSaysWhyAndUntilWhenAndExitsThree) {
  TestServer server;
  ASSERT_TRUE(chat::testing::has_line_containing(
      server.server().run_console_command("ban alice 1h spamming"), "banned"));
  RunningClient alice(flags_for(server.endpoint(), "alice"), true);
  EXPECT_EQ(alice.exit_code(), kExitJoinRefused) << alice.screen.all();
  const std::string screen = alice.screen.all();
  EXPECT_NE(screen.find("banned by console until "), std::string::npos) << screen;
  EXPECT_NE(screen.find("spamming"), std::string::npos) << screen;
  EXPECT_EQ(screen.find("nickname: "), std::string::npos) << screen;
}

// A banned address at start: the server refuses the connection itself (Error BANNED before it
// reads the Join). Refused like a banned nickname: the line saying why, then exit code 3, not 4.
TEST_F(ConsoleClientTest, ABannedAddressAtStartExitsThreeLikeABannedNickname) {
  TestServer server;
  ASSERT_TRUE(chat::testing::has_line_containing(
      server.server().run_console_command("ban 127.0.0.1 1h spamming"), "banned"));
  RunningClient alice(flags_for(server.endpoint(), "alice"), true);
  EXPECT_EQ(alice.exit_code(), kExitJoinRefused) << alice.screen.all();
  const std::string screen = alice.screen.all();
  EXPECT_NE(screen.find("! error BANNED"), std::string::npos) << screen;
  EXPECT_NE(screen.find("spamming"), std::string::npos) << screen;
  EXPECT_EQ(screen.find("nickname: "), std::string::npos) << screen;
}

// Outage 1: an attempt fails, the next resumes. Outage 2, soon after: it starts again from 0.5 s
// with every attempt (it used to go on counting, and gave up after one more try).
TEST_F(ConsoleClientTest, AQuickSecondOutageStartsTheBackoffAfresh) {
  auto server = std::make_unique<TestServer>();
  const net::Endpoint at = server->endpoint();
  ConsoleClientFlags flags = flags_for(at, "alice");
  flags.reconnect_attempts = 3;  // room for a server slow to restart
  RunningClient alice(flags);
  // The lobby's user list: joined.
  ASSERT_TRUE(alice.screen.wait_for_text("* users in lobby", kWait)) << alice.screen.all();
  server::ServerConfig cfg = chat::testing::test_config();
  cfg.port = at.port;
  for (int outage = 1; outage <= 2; ++outage) {
    SCOPED_TRACE(outage);
    const std::size_t before = alice.screen.all().size();
    server.reset();
    ASSERT_TRUE(alice.screen.wait_for_text_after(before, "; reconnecting in 0.", kWait))
        << alice.screen.all();
    ASSERT_TRUE(alice.screen.wait_for_text_after(before, "! reconnect failed", kWait))
        << alice.screen.all();
    server = std::make_unique<TestServer>(cfg);
    ASSERT_TRUE(alice.screen.wait_for_text_after(before, "! reconnected", kWait))
        << alice.screen.all();
    // The rejoined lobby's user list: the resumed connection carried something, so the next
    // loss is a new outage (one lost before that would count as a failed attempt).
    ASSERT_TRUE(alice.screen.wait_for_text_after(before, "* users in lobby", kWait))
        << alice.screen.all();
  }
  EXPECT_EQ(alice.screen.all().find("gave up"), std::string::npos) << alice.screen.all();
  alice.keys.push("/quit\n");
  EXPECT_EQ(alice.exit_code(), kExitOk) << alice.screen.all();
}

// A server that welcomes each reconnect and drops it at once: every such "resume" counts as a
// failed attempt, so the client gives up after --reconnect-attempts instead of retrying forever.
TEST_F(ConsoleClientTest, AServerThatDropsEachReconnectAtOnceIsGivenUpOn) {
  WelcomeThenDropServer server;
  ConsoleClientFlags flags = flags_for(server.endpoint(), "alice");
  flags.reconnect_attempts = 2;  // 0.5 s, then 1 s: done within kWait
  RunningClient alice(flags);
  ASSERT_TRUE(alice.screen.wait_for_text("* welcome, alice", kWait)) << alice.screen.all();
  server.drop();
  EXPECT_EQ(alice.exit_code(), kExitDisconnected) << alice.screen.all();
  EXPECT_NE(alice.screen.all().find("; gave up after 2 attempts\n"), std::string::npos)
      << alice.screen.all();
  EXPECT_EQ(server.connections(), 3) << alice.screen.all();  // the first, then two attempts
}

}  // namespace
}  // namespace chat::client
