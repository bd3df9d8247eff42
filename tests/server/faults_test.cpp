// Bad and broken clients lose only their own connection; limits and shutdown behave.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "net/frame_decoder.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

class FaultsTest : public ::testing::Test {
 protected:
  std::unique_ptr<TestClient> joined(TestServer& server, const std::string& nick) {
    return joined_client(network_, server.endpoint(), nick);
  }
  // The bystander still chats normally with a fresh partner.
  void expect_chat_still_works(TestServer& server, TestClient& bystander) {
    auto partner = joined(server, "partner");
    bystander.take_all();
    ASSERT_TRUE(partner->broadcast("lobby", "still working?", 1));
    const auto got = bystander.wait_for([](const Envelope& e) { return e.has_chat_message(); });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->chat_message().text(), "still working?");
  }

  client::ClientNetwork network_{2, 256, testing::test_io_backend()};
};

TEST_F(FaultsTest, MalformedFrameGetsFatalErrorAndOnlyThatConnectionCloses) {
  TestServer server;
  auto alice = joined(server, "alice");
  auto mallory = joined(server, "mallory");
  ASSERT_TRUE(mallory->send_raw(frame_bytes("\xff\xff\xff garbage")));
  const auto err = mallory->wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::MALFORMED_FRAME);
  EXPECT_TRUE(err->error().fatal());
  EXPECT_TRUE(mallory->wait_closed());
  const auto left = alice->wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().nickname(), "mallory");
  EXPECT_EQ(left->presence().reason(), "disconnect: protocol error");
  expect_chat_still_works(server, *alice);
}

TEST_F(FaultsTest, OversizedFrameIsRefusedBeforeItsBodyArrives) {
  TestServer server;
  auto alice = joined(server, "alice");
  TestClient big(network_, server.endpoint());
  ASSERT_TRUE(big.connected()) << big.connect_error();
  // Only the prefix of a 1 MiB frame: the server must answer without waiting for the body.
  std::byte prefix[net::kMaxVarint32Bytes];
  const std::size_t n = net::write_varint32(1024 * 1024, prefix);
  ASSERT_TRUE(big.send_raw(std::string(reinterpret_cast<const char*>(prefix), n)));
  const auto err = big.wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::FRAME_TOO_LARGE);
  EXPECT_TRUE(err->error().fatal());
  EXPECT_TRUE(big.wait_closed());
  expect_chat_still_works(server, *alice);
}

TEST_F(FaultsTest, FrameAtTheLimitIsAcceptedOneByteMoreIsNot) {
  TestServer server;
  TestClient c(network_, server.endpoint());
  ASSERT_TRUE(c.connected()) << c.connect_error();
  // A Ping with a padding unknown field makes a body of exactly max_frame_bytes.
  const std::size_t max = server.server().config().max_frame_bytes;
  // Envelope{ping: {}} padded with an unknown field (99) the server skips, to an exact size.
  auto body_of = [](std::size_t total) -> std::string {
    const std::string ping("\x92\x01\x00", 3);
    const std::string tag("\x9a\x06", 2);
    for (std::size_t k = 1; k <= net::kMaxVarint32Bytes; ++k) {
      const std::size_t pad = total - ping.size() - tag.size() - k;
      std::byte len[net::kMaxVarint32Bytes];
      if (net::write_varint32(static_cast<std::uint32_t>(pad), len) == k) {
        return ping + tag + std::string(reinterpret_cast<const char*>(len), k) +
               std::string(pad, 'p');
      }
    }
    return {};
  };
  std::string exact = body_of(max);
  ASSERT_EQ(exact.size(), max);
  ASSERT_TRUE(c.send_raw(frame_bytes(exact)));
  ASSERT_TRUE(c.wait_for(Envelope::kPong)) << "a frame of exactly the limit is served";
  std::string over = body_of(max + 1);
  ASSERT_EQ(over.size(), max + 1);
  ASSERT_TRUE(c.send_raw(frame_bytes(over)));
  const auto err = c.wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::FRAME_TOO_LARGE);
}

TEST_F(FaultsTest, ClientKilledMidFrameLosesOnlyItsConnection) {
  TestServer server;
  auto alice = joined(server, "alice");
  auto victim = joined(server, "victim");
  ASSERT_TRUE(alice->wait_for(Envelope::kPresence));  // victim joined
  ASSERT_TRUE(victim->send_raw(frame_bytes(std::string(200, 'x')).substr(0, 50)));
  victim->close();
  const auto left = alice->wait_for(Envelope::kPresence);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().nickname(), "victim");
  EXPECT_EQ(left->presence().kind(), proto::Presence::LEFT);
  expect_chat_still_works(server, *alice);
}

TEST_F(FaultsTest, HalfClosingClientStillGetsItsRepliesThenTheServerCloses) {
  auto cfg = test_config();
  cfg.linger = std::chrono::seconds(30);  // so only the end-of-stream path can close in time
  TestServer server(cfg);
  auto alice = joined(server, "alice");
  TestClient quick(network_, server.endpoint());
  ASSERT_TRUE(quick.connected()) << quick.connect_error();
  Envelope join;
  join.mutable_join()->set_nickname("quick");
  ASSERT_TRUE(quick.send(join));
  Envelope echo;
  echo.mutable_echo()->set_text("answer me before you go");
  ASSERT_TRUE(quick.send(echo));
  quick.finish_sending();  // like `printf ... | nc -N`: requests, then end of stream
  ASSERT_TRUE(quick.wait_for(Envelope::kWelcome));
  const auto reply = quick.wait_for(Envelope::kEchoReply);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->echo_reply().text(), "answer me before you go");
  EXPECT_TRUE(quick.wait_closed());
  // The server frees the slot as soon as the replies are out, not after the 30 s linger.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (server.server().client_count() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a state, not a race
  }
  EXPECT_EQ(server.server().client_count(), 1u);
  const auto left = alice->wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().reason(), "disconnect: connection closed by client");
}

TEST_F(FaultsTest, MaxClientsRejectsTheNextConnectionWithServerFull) {
  auto cfg = test_config();
  cfg.max_clients = 8;
  TestServer server(cfg);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(joined(server, "c" + std::to_string(i)));
  }
  TestClient ninth(network_, server.endpoint());
  ASSERT_TRUE(ninth.connected()) << ninth.connect_error();
  const auto err = ninth.wait_for(Envelope::kError);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().code(), proto::SERVER_FULL);
  EXPECT_TRUE(err->error().fatal());
  EXPECT_TRUE(ninth.wait_closed());
  EXPECT_EQ(server.server().client_count(), 8u);
  // A slot frees up when someone leaves.
  clients.pop_back();
  std::unique_ptr<TestClient> tenth;
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (server.server().client_count() < 8) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a state, not a race
  }
  tenth = joined(server, "tenth");
  EXPECT_EQ(server.server().client_count(), 8u);
}

TEST_F(FaultsTest, ShutdownSendsTheNoticeToEveryClientBeforeClosing) {
  auto server = std::make_unique<TestServer>();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(joined(*server, "c" + std::to_string(i)));
  }
  TestClient not_joined(network_, server->endpoint());
  ASSERT_TRUE(not_joined.connected()) << not_joined.connect_error();
  Envelope ping;  // a Pong proves the server accepted it (not just the kernel's backlog)
  ping.mutable_ping()->set_nonce(5);
  ASSERT_TRUE(not_joined.send(ping));
  ASSERT_TRUE(not_joined.wait_for(Envelope::kPong));
  server->server().shutdown();
  for (auto& c : clients) {
    const auto notice = c->wait_for(Envelope::kNotice);
    ASSERT_TRUE(notice);
    EXPECT_EQ(notice->notice().kind(), proto::Notice::SHUTDOWN);
    EXPECT_TRUE(c->wait_closed());
    EXPECT_EQ(c->close_reason(), "server closed the connection");
    for (const Envelope& e : c->take_all()) {
      EXPECT_FALSE(e.has_presence() && e.presence().kind() == proto::Presence::LEFT)
          << "no presence storm during shutdown: " << e.ShortDebugString();
    }
  }
  EXPECT_TRUE(not_joined.wait_for(Envelope::kNotice));
  // New connections are refused once shutdown started.
  TestClient late(network_, server->endpoint());
  EXPECT_FALSE(late.connected());
}

TEST_F(FaultsTest, QuitThenEndOfStreamStillDeliversEveryQueuedReply) {
  // A script's `... /quit` then EOF: Quit and end of stream arrive while the server still has
  // megabytes of replies queued for a client that is not reading yet. All of them must go out
  // before the server closes; the end of stream must not cut the drain short.
  auto cfg = test_config();
  cfg.max_text_bytes = 60 * 1024;
  cfg.max_send_queue_bytes = 64u * 1024 * 1024;
  cfg.send_queue_soft_bytes = 0;  // read on regardless, so the Quit arrives behind the backlog
  cfg.linger = std::chrono::seconds(30);  // so only the drain-then-close path ends it in time
  TestServer server(cfg);
  auto alice = joined(server, "alice");
  TestClient quitter(network_, server.endpoint());
  ASSERT_TRUE(quitter.connected()) << quitter.connect_error();
  quitter.pause_receiving();
  Envelope join;
  join.mutable_join()->set_nickname("quitter");
  ASSERT_TRUE(quitter.send(join));
  constexpr int kEchoes = 200;  // 12 MB of replies: far past the loopback socket buffers
  Envelope echo;
  echo.mutable_echo()->set_text(std::string(cfg.max_text_bytes, 'e'));
  for (int i = 0; i < kEchoes; ++i) {
    echo.set_request_id(static_cast<std::uint64_t>(i) + 100);
    ASSERT_TRUE(quitter.send(echo));
  }
  Envelope quit;
  quit.mutable_quit()->set_reason("bye");
  ASSERT_TRUE(quitter.send(quit));
  quitter.finish_sending();
  const auto left = alice->wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().reason(), "quit: bye");
  quitter.resume_receiving();  // read only now, with the server's queue still full
  const auto replies =
      quitter.wait_count([](const Envelope& e) { return e.has_echo_reply(); }, kEchoes);
  EXPECT_EQ(replies.size(), static_cast<std::size_t>(kEchoes));
  EXPECT_TRUE(quitter.wait_closed());
}

TEST_F(FaultsTest, QuitterThatNeverReadsItsRepliesIsClosedAfterTheLinger) {
  auto cfg = test_config();
  cfg.max_text_bytes = 60 * 1024;
  cfg.max_send_queue_bytes = 64u * 1024 * 1024;
  cfg.send_queue_soft_bytes = 0;  // read on regardless, so the Quit arrives behind the backlog
  cfg.linger = std::chrono::milliseconds(300);
  TestServer server(cfg);
  auto alice = joined(server, "alice");
  TestClient quitter(network_, server.endpoint());
  ASSERT_TRUE(quitter.connected()) << quitter.connect_error();
  ASSERT_TRUE(quitter.join("quitter").has_welcome());
  quitter.pause_receiving();
  Envelope echo;
  echo.mutable_echo()->set_text(std::string(cfg.max_text_bytes, 'e'));
  for (int i = 0; i < 200; ++i) {  // 12 MB of replies: the server's queue cannot drain
    ASSERT_TRUE(quitter.send(echo));
  }
  Envelope quit;
  quit.mutable_quit()->set_reason("");  // an empty reason: the body alone makes it a Quit
  ASSERT_TRUE(quitter.send(quit));
  ASSERT_TRUE(alice->wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  }));
  // Never reading, the quitter cannot hold its slot: the linger bounds the whole close.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (server.server().client_count() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a state, not a race
  }
  EXPECT_EQ(server.server().client_count(), 1u);
}

TEST_F(FaultsTest, AClientPipeliningWithoutReadingIsThrottledNotDroppedAndGetsEveryReply) {
  // 16 MB of echo replies asked for by a client that reads nothing until it has sent them all:
  // four times the hard limit. Over the soft limit the server stops reading its requests, so
  // its queue stays near the soft limit instead of reaching the hard one.
  auto cfg = test_config();
  cfg.send_queue_soft_bytes = 64 * 1024;
  cfg.max_send_queue_bytes = 4 * 1024 * 1024;
  TestServer server(cfg);
  auto alice = joined(server, "alice");
  auto piper = joined(server, "piper");
  piper->pause_receiving();
  constexpr int kEchoes = 4000;
  Envelope echo;
  for (int i = 0; i < kEchoes; ++i) {
    echo.set_request_id(static_cast<std::uint64_t>(i) + 1);
    echo.mutable_echo()->set_text(std::to_string(i) + std::string(4000, 'p'));
    ASSERT_TRUE(piper->send(echo)) << i;
  }
  // Everyone else is served meanwhile.
  ASSERT_TRUE(alice->broadcast("lobby", "still chatting", 1));
  ASSERT_TRUE(alice->wait_for(Envelope::kAck));
  piper->resume_receiving();
  const auto replies =
      piper->wait_count([](const Envelope& e) { return e.has_echo_reply(); }, kEchoes);
  ASSERT_EQ(replies.size(), static_cast<std::size_t>(kEchoes))
      << "the pipelining client lost replies";
  for (int i = 0; i < kEchoes; ++i) {
    ASSERT_EQ(replies[i].request_id(), static_cast<std::uint64_t>(i) + 1) << "out of order";
  }
  EXPECT_FALSE(piper->wait_closed(std::chrono::milliseconds(0))) << "dropped";
  EXPECT_EQ(server.server().client_count(), 2u);
}

TEST_F(FaultsTest, SlowReaderIsDisconnectedAndSlowsNoOneElse) {
  auto cfg = test_config();
  cfg.max_send_queue_bytes = 256 * 1024;
  TestServer server(cfg);
  // The slow client's only network thread blocks in its first callback, so it stops reading.
  client::ClientNetwork stalled_network(1, 4, testing::test_io_backend());
  std::mutex gate;
  client::ChatConnection slow(
      stalled_network, [&](const Envelope&) { std::lock_guard wait_here(gate); },
      [](const std::string&) {});
  std::unique_lock hold(gate);  // declared after `slow`: released before `slow` is destroyed
  ASSERT_FALSE(slow.connect(server.endpoint(), kWait));
  Envelope join;
  join.mutable_join()->set_nickname("slow");
  ASSERT_TRUE(slow.send(join));

  auto alice = joined(server, "alice");
  auto bob = joined(server, "bob");
  const std::string text(4000, 'z');
  // Paced by Acks and by bob's receipts, so a reader that keeps up never has more than one
  // batch queued; the stalled one falls further behind each batch until it is cut off.
  constexpr int kBatch = 20;
  constexpr int kMaxBatches = 250;  // 20 MB at most: past any loopback socket buffering
  const auto is_slow_left = [](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT &&
           e.presence().nickname() == "slow";
  };
  std::optional<Envelope> left;
  std::uint64_t sent = 0;
  for (int b = 0; b < kMaxBatches && !left; ++b) {
    for (int i = 0; i < kBatch; ++i) {
      ASSERT_TRUE(alice->broadcast("lobby", text, ++sent));
    }
    ASSERT_EQ(alice->wait_count([](const Envelope& e) { return e.has_ack(); }, kBatch).size(),
              static_cast<std::size_t>(kBatch));
    ASSERT_EQ(
        bob->wait_count([](const Envelope& e) { return e.has_chat_message(); }, kBatch).size(),
        static_cast<std::size_t>(kBatch))
        << "a reader that keeps up lost messages";
    left = bob->wait_for(is_slow_left, std::chrono::milliseconds(0));
  }
  ASSERT_TRUE(left) << "the stalled reader was never disconnected";
  EXPECT_EQ(left->presence().reason(), "disconnect: too slow to read (send queue full)");
  EXPECT_GE(sent * text.size(), cfg.max_send_queue_bytes);
  hold.unlock();
  EXPECT_TRUE(slow.wait_closed(kWait));
}

}  // namespace
}  // namespace chat::testing
