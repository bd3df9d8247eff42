// Every way out of a connection keeps what was promised: the Acks of the messages it sent come
// before its close (and before the last frame: an Error, the shutdown notice), and an
// operator's /shutdown gets its reply before the notice.
//
// The group commit is held back by a second SQLite connection that holds the database's write
// lock: the messages are delivered to the room but not yet stored, so their Acks are owed while
// the connection leaves. Releasing the lock lets them through; they must still reach the sender.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <thread>

#include "storage/sqlite_db.h"
#include "support/temp_database.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

constexpr std::uint64_t kMessages = 20;

// Holds the database's write lock from another connection while it lives (or until release()):
// the server's writer waits (its busy timeout is 5 s) and commits once it is let go.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) : db_(path, "test") {
    db_.exec("BEGIN IMMEDIATE");
  }
  ~WriteLockHolder() { release(); }
  void release() {
    if (held_) {
      held_ = false;
      db_.exec("ROLLBACK");
    }
  }

 private:
  server::SqliteDb db_;
  bool held_ = true;
};

bool is_left(const Envelope& e, const std::string& nick) {
  return e.has_presence() && e.presence().kind() == proto::Presence::LEFT &&
         e.presence().nickname() == nick;
}

class ExitsTest : public ::testing::Test {
 protected:
  server::ServerConfig config() {
    server::ServerConfig cfg = test_config();
    cfg.db_path = db_.path();
    cfg.linger = std::chrono::milliseconds(8000);  // longer than the lock is held
    cfg.shutdown_grace = std::chrono::milliseconds(8000);
    return cfg;
  }

  // bob sends kMessages broadcasts while the store is locked; listener receives them all.
  void send_unstored_messages(TestClient& bob, TestClient& listener) {
    for (std::uint64_t i = 1; i <= kMessages; ++i) {
      ASSERT_TRUE(bob.broadcast("lobby", "m" + std::to_string(i), i));
    }
    const auto got = listener.wait_count(
        [](const Envelope& e) { return e.has_chat_message() && e.chat_message().from() == "bob"; },
        kMessages);
    ASSERT_EQ(got.size(), kMessages);
  }

  // Everything bob received once closed: every message's Ack, then `last` (if not
  // BODY_NOT_SET) as the final frame.
  static void expect_acks_then(TestClient& bob, Envelope::BodyCase last) {
    ASSERT_TRUE(bob.wait_closed()) << "the connection did not close";
    const std::vector<Envelope> all = bob.take_all();
    std::set<std::uint64_t> acked;
    std::size_t last_ack_at = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i].has_ack()) {
        acked.insert(all[i].ack().client_msg_id());
        last_ack_at = i;
      }
    }
    EXPECT_EQ(acked.size(), kMessages) << "Acks lost on the way out";
    if (last != Envelope::BODY_NOT_SET) {
      ASSERT_FALSE(all.empty());
      EXPECT_EQ(all.back().body_case(), last) << all.back().ShortDebugString();
      EXPECT_LT(last_ack_at, all.size() - 1) << "an Ack came after the last frame";
    }
  }

  // bob sends messages the store cannot take yet, then leaves by `leave` (on its own, no last
  // frame from the server); once the listener saw him go, the store is let go: bob must still
  // get every Ack before the close.
  void leave_while_acks_are_owed(const std::function<void(TestClient& bob)>& leave) {
    TestServer server(config());
    auto listener = joined_client(network_, server.endpoint(), "listener");
    auto bob = joined_client(network_, server.endpoint(), "bob");
    WriteLockHolder lock(db_.path());
    send_unstored_messages(*bob, *listener);
    leave(*bob);
    ASSERT_TRUE(listener->wait_for([](const Envelope& e) { return is_left(e, "bob"); }));
    lock.release();
    expect_acks_then(*bob, Envelope::BODY_NOT_SET);
  }

  TempDatabase db_;
  client::ClientNetwork network_{2, 64, test_io_backend()};
};

TEST_F(ExitsTest, QuitGetsEveryAckBeforeTheClose) {
  leave_while_acks_are_owed([](TestClient& bob) {
    Envelope quit;
    quit.mutable_quit()->set_reason("bye");
    ASSERT_TRUE(bob.send(quit));
  });
}

TEST_F(ExitsTest, AHalfCloseGetsEveryAckBeforeTheClose) {
  leave_while_acks_are_owed([](TestClient& bob) {
    bob.finish_sending();  // shuts down its write side, reads on
  });
}

TEST_F(ExitsTest, AKickGetsEveryAckBeforeItsError) {
  TestServer server(config());
  auto listener = joined_client(network_, server.endpoint(), "listener");
  auto bob = joined_client(network_, server.endpoint(), "bob");
  WriteLockHolder lock(db_.path());
  send_unstored_messages(*bob, *listener);
  // On a thread of its own: the kick's audit entry waits for the database too.
  std::thread kicker([&] { server.server().run_console_command("kick bob enough"); });
  const bool left =
      listener->wait_for([](const Envelope& e) { return is_left(e, "bob"); }).has_value();
  lock.release();
  kicker.join();
  ASSERT_TRUE(left);
  expect_acks_then(*bob, Envelope::kError);
}

TEST_F(ExitsTest, AHeartbeatTimeoutGetsEveryAckBeforeItsError) {
  server::ServerConfig cfg = config();
  cfg.heartbeat_interval = std::chrono::milliseconds(100);
  cfg.heartbeat_timeout = std::chrono::milliseconds(400);
  TestServer server(cfg);
  auto listener = joined_client(network_, server.endpoint(), "listener");
  auto bob = joined_client(network_, server.endpoint(), "bob");
  WriteLockHolder lock(db_.path());
  send_unstored_messages(*bob, *listener);
  bob->pause_receiving();  // answers no Ping from here on: silent
  ASSERT_TRUE(listener->wait_for([](const Envelope& e) { return is_left(e, "bob"); }));
  lock.release();
  bob->resume_receiving();
  expect_acks_then(*bob, Envelope::kError);
}

TEST_F(ExitsTest, AShutdownAcksEverythingItAcceptedBeforeItsNotice) {
  auto server = std::make_unique<TestServer>(config());
  auto listener = joined_client(network_, server->endpoint(), "listener");
  auto bob = joined_client(network_, server->endpoint(), "bob");
  WriteLockHolder lock(db_.path());
  send_unstored_messages(*bob, *listener);
  std::thread stopper([&] { server->server().shutdown("maintenance"); });
  // The listener owes nothing: its notice says the shutdown has begun.
  const auto notice = listener->wait_for(Envelope::kNotice);
  lock.release();
  expect_acks_then(*bob, Envelope::kNotice);
  stopper.join();
  EXPECT_TRUE(notice);
}

// The operator's reply must come before the notice: the shutdown it asks for starts only once
// the reply is queued. The handler here waits until the shutdown has notified a bystander, so a
// reply queued after the handler would always be too late.
TEST_F(ExitsTest, AnOperatorsShutdownIsAnsweredBeforeTheNotice) {
  server::ServerConfig cfg = config();
  cfg.db_path.clear();
  cfg.operators = {"boss"};
  cfg.operator_password = [](const std::string&) {
    return std::optional<std::string>("correct-horse");
  };
  std::thread stopper;
  std::promise<void> handler_done;
  std::unique_ptr<TestClient> bystander;
  // Atomics: the handler runs on a worker, ordered after the test thread's stores only by the
  // sockets, which the sanitizer does not see.
  std::atomic<TestClient*> bystander_ptr{nullptr};
  std::atomic<server::ChatServer*> chat_server{nullptr};
  // Set before the server starts (the workers read it); what it uses is set before the command.
  TestServer server(cfg, [&](server::ChatServer& s) {
    s.set_shutdown_handler([&](const std::string& reason) {
      stopper = std::thread([&chat_server, reason] { chat_server.load()->shutdown(reason); });
      // Slot order: the boss (connected first) is notified before the bystander.
      EXPECT_TRUE(bystander_ptr.load()->wait_for(Envelope::kNotice, 5s));
      handler_done.set_value();
    });
  });
  chat_server.store(&server.server());
  TestClient boss(network_, server.endpoint());
  ASSERT_TRUE(boss.login("boss", "correct-horse").has_welcome());
  bystander = joined_client(network_, server.endpoint(), "bystander");
  bystander_ptr.store(bystander.get());
  Envelope cmd;
  cmd.mutable_operator_command()->set_line("shutdown now");
  ASSERT_TRUE(boss.send(cmd));
  const bool closed = boss.wait_closed();
  // The handler uses this test's locals: it must be done before they go.
  ASSERT_EQ(handler_done.get_future().wait_for(10s), std::future_status::ready);
  stopper.join();
  ASSERT_TRUE(closed);
  std::vector<Envelope::BodyCase> bodies;
  for (const Envelope& e : boss.take_all()) {
    if (e.has_operator_reply() || e.has_notice()) {
      bodies.push_back(e.body_case());
    }
  }
  ASSERT_EQ(bodies.size(), 2u) << "expected the reply and the notice";
  EXPECT_EQ(bodies[0], Envelope::kOperatorReply);
  EXPECT_EQ(bodies[1], Envelope::kNotice);
}

}  // namespace
}  // namespace chat::testing
