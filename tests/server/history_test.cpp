// History: room messages stored in SQLite and replayed to joiners, marked as history; Acks sent
// once a message is stored; a room's seq continuing after the room was emptied and after the
// server restarted on the same database.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "support/temp_database.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

using namespace std::chrono_literals;

class HistoryServerTest : public ::testing::Test {
 protected:
  static server::ServerConfig config(const std::string& db, std::uint32_t replay) {
    server::ServerConfig cfg = test_config();
    cfg.db_path = db;
    cfg.history_replay = replay;
    return cfg;
  }
  std::unique_ptr<TestClient> joined(TestServer& server, const std::string& nick) {
    return joined_client(network_, server.endpoint(), nick);
  }
  static std::vector<Envelope> chat(TestClient& c, std::size_t n) {
    return c.wait_count([](const Envelope& e) { return e.has_chat_message(); }, n);
  }
  static void say(TestClient& c, const std::string& room, const std::string& text,
                  std::uint64_t id) {
    ASSERT_TRUE(c.broadcast(room, text, id));
    const auto ack = c.wait_for(Envelope::kAck);
    ASSERT_TRUE(ack) << "no Ack for " << text;
    EXPECT_EQ(ack->ack().client_msg_id(), id);
  }
  client::ClientNetwork network_{2, 64, test_io_backend()};
};

TEST_F(HistoryServerTest, AJoinerGetsTheNewestMessagesMarkedAsHistoryThenLiveTraffic) {
  TestServer server(config(":memory:", 3));
  auto alice = joined(server, "alice");
  for (int i = 0; i < 5; ++i) {
    say(*alice, "lobby", "m" + std::to_string(i), static_cast<std::uint64_t>(i) + 1);
  }
  auto bob = joined(server, "bob");  // its lobby UserList came first: join() waited for it
  const auto past = chat(*bob, 3);
  ASSERT_EQ(past.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(past[i].chat_message().history());
    EXPECT_EQ(past[i].chat_message().text(), "m" + std::to_string(i + 2));
    EXPECT_EQ(past[i].chat_message().seq(), static_cast<std::uint64_t>(i) + 3);
    EXPECT_EQ(past[i].chat_message().from(), "alice");
  }
  say(*alice, "lobby", "live", 9);
  const auto live = chat(*bob, 1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_FALSE(live[0].chat_message().history());
  EXPECT_EQ(live[0].chat_message().seq(), 6u);
  EXPECT_FALSE(alice->wait_for([](const Envelope& e) { return e.has_chat_message(); }, 0ms))
      << "alice was sent history or her own message";
}

// A join's replay is capped like a resume's, at what half the joiner's send queue holds: a
// --history bigger than that must not cut off a joiner who reads promptly as a slow reader.
TEST_F(HistoryServerTest, AJoinersReplayFitsItsSendQueue) {
  server::ServerConfig cfg = config(":memory:", 50);
  cfg.send_queue_soft_bytes = 0;
  cfg.max_send_queue_bytes = 64 * 1024;  // half of it holds 7 messages of the longest text
  TestServer server(cfg);
  auto alice = joined(server, "alice");
  const std::string text(cfg.max_text_bytes, 'x');
  for (std::uint64_t i = 1; i <= 20; ++i) {
    say(*alice, "lobby", text, i);
  }
  auto bob = joined(server, "bob");
  const auto past = chat(*bob, 7);
  ASSERT_EQ(past.size(), 7u);
  EXPECT_EQ(past.front().chat_message().seq(), 14u) << "the newest seven";
  EXPECT_EQ(past.back().chat_message().seq(), 20u);
  say(*alice, "lobby", "live", 21);
  const auto live = chat(*bob, 1);
  ASSERT_EQ(live.size(), 1u) << "bob was cut off: " << bob->close_reason();
  EXPECT_EQ(live[0].chat_message().text(), "live");
}

TEST_F(HistoryServerTest, SeqAndHistoryOutliveTheRoomAndTheServer) {
  TempDatabase db;
  std::uint64_t last_id = 0;
  {
    TestServer first(config(db.path(), 50));
    auto alice = joined(first, "alice");
    ASSERT_TRUE(alice->join_room("dev"));
    ASSERT_TRUE(alice->wait_for(Envelope::kUserList));
    for (int i = 1; i <= 3; ++i) {
      say(*alice, "dev", "d" + std::to_string(i), static_cast<std::uint64_t>(i));
    }
    ASSERT_TRUE(alice->leave_room("dev"));  // the room empties and is removed
    ASSERT_TRUE(alice->wait_for(Envelope::kPresence));
    ASSERT_TRUE(alice->join_room("dev"));
    ASSERT_TRUE(alice->wait_for(Envelope::kUserList));
    EXPECT_EQ(chat(*alice, 3).size(), 3u) << "the recreated room lost its history";
    ASSERT_TRUE(alice->broadcast("dev", "d4", 4));
    const auto ack = alice->wait_for(Envelope::kAck);
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->ack().seq(), 4u) << "the recreated room restarted its seq";
    last_id = ack->ack().server_msg_id();
  }
  TestServer second(config(db.path(), 50));
  auto bob = joined(second, "bob");
  ASSERT_TRUE(bob->join_room("dev"));
  const auto past = chat(*bob, 4);
  ASSERT_EQ(past.size(), 4u) << "the restarted server lost Acked messages";
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(past[i].chat_message().text(), "d" + std::to_string(i + 1));
    EXPECT_EQ(past[i].chat_message().seq(), static_cast<std::uint64_t>(i) + 1);
  }
  ASSERT_TRUE(bob->broadcast("dev", "after the restart", 1));
  const auto ack = bob->wait_for(Envelope::kAck);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack().seq(), 5u);
  EXPECT_GT(ack->ack().server_msg_id(), last_id) << "a message id was issued twice";
}

// Resuming: JoinRoom{since_seq} gets exactly the messages after it, from the ring or the store.
class ResumeTest : public HistoryServerTest {
 protected:
  // alice creates `room` and says m1..m<n> in it.
  std::unique_ptr<TestClient> room_with_messages(TestServer& server, const std::string& room,
                                                 int n) {
    auto alice = joined(server, "alice");
    EXPECT_TRUE(alice->join_room(room));
    EXPECT_TRUE(alice->wait_for(Envelope::kUserList));
    for (int i = 1; i <= n; ++i) {
      say(*alice, room, "m" + std::to_string(i), static_cast<std::uint64_t>(i));
    }
    return alice;
  }
  static bool resume(TestClient& c, const std::string& room, std::uint64_t since) {
    Envelope env;
    env.mutable_join_room()->set_room(room);
    env.mutable_join_room()->set_since_seq(since);
    return c.send(env) && c.wait_for(Envelope::kUserList).has_value();
  }
  static std::vector<std::uint64_t> replayed(TestClient& c, std::size_t n) {
    std::vector<std::uint64_t> out;
    for (const Envelope& e : chat(c, n)) {
      EXPECT_TRUE(e.chat_message().history());
      EXPECT_EQ(e.chat_message().text(), "m" + std::to_string(e.chat_message().seq()));
      out.push_back(e.chat_message().seq());
    }
    return out;
  }
};

TEST_F(ResumeTest, SinceSeqReplaysExactlyWhatCameAfterFromTheRingAndFromDisk) {
  // A ring of 2: older ones come from the store, on disk here (the other tests here keep it in
  // memory), so rows read back from SQLite are replayed too.
  TempDatabase db;
  TestServer server(config(db.path(), 2));
  auto alice = room_with_messages(server, "dev", 6);
  auto bob = joined(server, "bob");
  ASSERT_TRUE(resume(*bob, "dev", 1));
  EXPECT_EQ(replayed(*bob, 5), (std::vector<std::uint64_t>{2, 3, 4, 5, 6}));
  say(*alice, "dev", "m7", 7);
  const auto live = chat(*bob, 1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_FALSE(live[0].chat_message().history());
  EXPECT_EQ(live[0].chat_message().seq(), 7u);
  auto carol = joined(server, "carol");
  ASSERT_TRUE(resume(*carol, "dev", 7));  // up to date: nothing to replay
  say(*alice, "dev", "m8", 8);
  const auto next = chat(*carol, 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].chat_message().seq(), 8u) << "an up-to-date resume got a replay";
  EXPECT_FALSE(carol->wait_for(Envelope::kNotice, 0ms));
}

TEST_F(ResumeTest, WhatIsNoLongerKeptIsReportedAsAGapBeforeTheRest) {
  TestServer server(config("", 2));  // no store: only the ring of the 2 newest is kept
  auto alice = room_with_messages(server, "dev", 5);
  auto bob = joined(server, "bob");
  ASSERT_TRUE(resume(*bob, "dev", 1));
  const auto gap = bob->wait_for(Envelope::kNotice);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->notice().kind(), proto::Notice::HISTORY_GAP);
  EXPECT_EQ(gap->notice().room(), "dev");
  EXPECT_EQ(gap->notice().missing_from(), 2u);
  EXPECT_EQ(gap->notice().missing_to(), 3u);
  EXPECT_EQ(replayed(*bob, 2), (std::vector<std::uint64_t>{4, 5}));
}

TEST_F(ResumeTest, AGapBeforeMessagesOnDiskAndInTheRingReplaysEachOnce) {
  TempDatabase db;
  server::ServerConfig cfg = config(db.path(), 2);  // a ring of the 2 newest
  cfg.keep_messages = 4;                            // applied to the disk at the restart
  {
    TestServer first(cfg);
    room_with_messages(first, "dev", 9);
  }
  TestServer second(cfg);  // the disk keeps 6..9, the ring 8 and 9
  auto alice = joined(second, "alice");
  ASSERT_TRUE(alice->join_room("dev"));
  ASSERT_TRUE(alice->wait_for(Envelope::kUserList));
  auto bob = joined(second, "bob");
  ASSERT_TRUE(resume(*bob, "dev", 0));
  const auto gap = bob->wait_for(Envelope::kNotice);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->notice().kind(), proto::Notice::HISTORY_GAP);
  EXPECT_EQ(gap->notice().missing_from(), 1u);
  EXPECT_EQ(gap->notice().missing_to(), 5u);
  EXPECT_EQ(replayed(*bob, 4), (std::vector<std::uint64_t>{6, 7, 8, 9}));
  say(*alice, "dev", "m10", 10);
  const auto next = chat(*bob, 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].chat_message().seq(), 10u) << "a message was replayed twice";
  EXPECT_FALSE(next[0].chat_message().history());
}

// The memory budget (--history-memory-bytes): with a database, eviction changes where a replay
// comes from, never what it sends; without one, what was evicted is a gap.
class HistoryMemoryTest : public ResumeTest {
 protected:
  static constexpr std::size_t kBudget = 32 * 1024;
  static server::ServerConfig config(const std::string& db, std::uint32_t replay) {
    server::ServerConfig cfg = HistoryServerTest::config(db, replay);
    cfg.history_memory_bytes = kBudget;
    return cfg;
  }
  // `c` says 5 messages of 4 KB in each of 4 new rooms: far past the budget (a ring holds at
  // most the newest 5), so the rooms used before them lose everything they held in memory (the
  // least recently used go first).
  static void crowd_out(TestClient& c) {
    for (int r = 0; r < 4; ++r) {
      const std::string room = "crowd" + std::to_string(r);
      ASSERT_TRUE(c.join_room(room));
      ASSERT_TRUE(c.wait_for(Envelope::kUserList));
      for (int i = 0; i < 5; ++i) {
        say(c, room, std::string(4096, 'x'), 1000 + static_cast<std::uint64_t>(r * 5 + i));
      }
    }
    settle(c);
  }
  // Returns once everything `c` sent before has been handled (its Pong comes after).
  static void settle(TestClient& c) {
    Envelope ping;
    ping.mutable_ping()->set_nonce(1);
    ASSERT_TRUE(c.ask(ping, Envelope::kPong).has_pong());
  }
  // The console's `rooms` line of `room`.
  static std::string rooms_line(TestServer& server, const std::string& room) {
    for (const std::string& line : server.server().run_console_command("rooms")) {
      if (line.rfind(room + " members:", 0) == 0) {
        return line;
      }
    }
    return "no line for " + room;
  }
  static bool has(const std::string& line, const std::string& part) {
    return line.find(part) != std::string::npos;
  }
};

TEST_F(HistoryMemoryTest, ReplaysAfterEvictionComeFromTheStoreUnchanged) {
  TempDatabase db;  // on disk: what comes back is read from SQLite, not the objects evicted
  TestServer server(config(db.path(), 5));
  auto alice = room_with_messages(server, "dev", 8);
  EXPECT_TRUE(has(rooms_line(server, "dev"), "in memory: 5 ")) << rooms_line(server, "dev");
  crowd_out(*alice);
  EXPECT_TRUE(has(rooms_line(server, "dev"), "in memory: 0 ")) << rooms_line(server, "dev");
  EXPECT_LE(server.server().history_bytes(), kBudget);

  auto bob = joined(server, "bob");
  ASSERT_TRUE(bob->join_room("dev"));
  ASSERT_TRUE(bob->wait_for(Envelope::kUserList));
  EXPECT_EQ(replayed(*bob, 5), (std::vector<std::uint64_t>{4, 5, 6, 7, 8}));
  EXPECT_TRUE(has(rooms_line(server, "dev"), "in memory: 5 "))
      << "a room joined again is in use: its replay goes back into memory";
  auto carol = joined(server, "carol");
  ASSERT_TRUE(resume(*carol, "dev", 1));
  EXPECT_EQ(replayed(*carol, 7), (std::vector<std::uint64_t>{2, 3, 4, 5, 6, 7, 8}));
  settle(*carol);
  EXPECT_FALSE(carol->wait_for(Envelope::kNotice, 0ms)) << "a gap where the store has it all";
  say(*alice, "dev", "m9", 9);
  for (auto* c : {bob.get(), carol.get()}) {
    const auto live = chat(*c, 1);
    ASSERT_EQ(live.size(), 1u);
    EXPECT_EQ(live[0].chat_message().seq(), 9u) << "a message was replayed twice or skipped";
    EXPECT_FALSE(live[0].chat_message().history());
  }
}

TEST_F(HistoryMemoryTest, WithoutADatabaseWhatWasEvictedIsAGap) {
  TestServer server(config("", 5));
  auto alice = room_with_messages(server, "dev", 5);
  crowd_out(*alice);
  EXPECT_TRUE(has(rooms_line(server, "dev"), "in memory: 0 ")) << rooms_line(server, "dev");

  auto bob = joined(server, "bob");
  ASSERT_TRUE(resume(*bob, "dev", 0));
  const auto gap = bob->wait_for(Envelope::kNotice);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->notice().kind(), proto::Notice::HISTORY_GAP);
  EXPECT_EQ(gap->notice().missing_from(), 1u);
  EXPECT_EQ(gap->notice().missing_to(), 5u);
  auto carol = joined(server, "carol");
  ASSERT_TRUE(carol->join_room("dev"));
  ASSERT_TRUE(carol->wait_for(Envelope::kUserList));
  say(*alice, "dev", "m6", 6);
  for (auto* c : {bob.get(), carol.get()}) {
    const auto first = chat(*c, 1);  // nothing replayed: the first is the live one
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].chat_message().seq(), 6u);
    EXPECT_FALSE(first[0].chat_message().history());
  }
}

TEST_F(HistoryMemoryTest, ManyRoomsStayWithinTheBudgetAndGiveItBackWhenTheyEmpty) {
  TestServer server(config(":memory:", 50));
  auto alice = joined(server, "alice");
  for (int r = 0; r < 8; ++r) {  // 8 rooms x 10 x 4 KB: about 330 KB without a budget
    const std::string room = "room" + std::to_string(r);
    ASSERT_TRUE(alice->join_room(room));
    ASSERT_TRUE(alice->wait_for(Envelope::kUserList));
    for (int i = 0; i < 10; ++i) {
      say(*alice, room, std::string(4096, 'x'), static_cast<std::uint64_t>(r * 10 + i + 1));
    }
    settle(*alice);
    EXPECT_LE(server.server().history_bytes(), kBudget) << "after " << room;
  }
  say(*alice, "lobby", "hello", 100);
  settle(*alice);
  EXPECT_GT(server.server().history_bytes(), kBudget / 2);
  for (int r = 0; r < 8; ++r) {
    ASSERT_TRUE(alice->leave_room("room" + std::to_string(r)));
    ASSERT_TRUE(alice->wait_for(Envelope::kPresence));
  }
  EXPECT_TRUE(has(rooms_line(server, "lobby"), "in memory: 1 ")) << rooms_line(server, "lobby");
  Envelope quit;
  quit.mutable_quit();
  ASSERT_TRUE(alice->send(quit));
  ASSERT_TRUE(alice->wait_closed());  // it has left: the lobby is empty
  EXPECT_EQ(server.server().history_bytes(), 0u)
      << "an emptied room (the lobby too, with a database) still holds history in memory";
}

}  // namespace
}  // namespace chat::testing
