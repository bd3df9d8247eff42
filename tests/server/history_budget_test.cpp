// The history memory budget: all rooms' rings together stay within it, the least recently used
// rooms lose their oldest messages first, a message waiting for its commit is never evicted,
// and rooms that empty give their bytes back.
#include "history/history_budget.h"

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "history/history_ring.h"
#include "room.h"
#include "support/open_sessions.h"

namespace chat::server {
namespace {

constexpr std::size_t kText = 1000;  // bytes of text per message

StoredMessagePtr message(const std::string& room, std::uint64_t seq, bool settled = true) {
  auto m = std::make_shared<StoredMessage>();
  m->room_key = room;
  m->room = room;
  m->from = "alice";
  m->text = std::string(kText, 'x');
  m->seq = seq;
  m->settled.store(settled);
  return m;
}

// What each message costs: every room name in this file is one letter long.
const std::size_t kCost = HistoryBudget::cost(*message("r", 1));

TEST(HistoryBudgetTest, AMessageCostsItsStringsAndTheFixedPart) {
  EXPECT_EQ(kCost, HistoryBudget::kFixedCost + 1 + 1 + 5 + kText);
}

TEST(HistoryBudgetTest, TheLeastRecentlyUsedRingLosesItsOldestMessagesFirst) {
  HistoryBudget budget(10 * kCost);
  std::mutex a_lock;
  std::mutex b_lock;
  std::mutex c_lock;
  HistoryRing a(50, &budget, a_lock, false);
  HistoryRing b(50, &budget, b_lock, false);
  HistoryRing c(50, &budget, c_lock, false);
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    a.push_back(message("a", seq));
    b.push_back(message("b", seq));
  }
  a.touch();  // a replay from a: now b is the least recently used
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    c.push_back(message("c", seq));
  }
  EXPECT_EQ(budget.bytes(), 12 * kCost);
  budget.enforce();
  EXPECT_LE(budget.bytes(), budget.limit());
  EXPECT_EQ(a.size(), 4u) << "a was used more recently than b";
  EXPECT_EQ(c.size(), 4u);
  ASSERT_EQ(b.size(), 1u) << "evicts down to a thirty-second below the limit: 3 of b's 4";
  EXPECT_EQ(b.front_seq(), 4u) << "the oldest go first";
  EXPECT_EQ(budget.bytes(), a.bytes() + b.bytes() + c.bytes());
}

TEST(HistoryBudgetTest, AMessageIsEvictedOnlyOnceTheStoreHasSettledIt) {
  HistoryBudget budget(2 * kCost);
  std::mutex lock;
  HistoryRing ring(50, &budget, lock, true);
  std::vector<StoredMessagePtr> pending;
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    pending.push_back(message("d", seq, false));
    ring.push_back(pending.back());
  }
  budget.enforce();
  EXPECT_EQ(ring.size(), 4u) << "evicted a message the store may not have yet";
  pending[0]->settled.store(true);
  pending[1]->settled.store(true);
  budget.enforce();
  EXPECT_EQ(ring.size(), 2u) << "the settled ones may go, and no further";
  EXPECT_EQ(ring.front_seq(), 3u);
}

TEST(HistoryBudgetTest, ARingBusyUnderItsLockIsSkipped) {
  HistoryBudget budget(2 * kCost);
  std::mutex busy_lock;
  std::mutex idle_lock;
  HistoryRing busy(50, &budget, busy_lock, false);
  HistoryRing idle(50, &budget, idle_lock, false);
  busy.push_back(message("b", 1));
  busy.push_back(message("b", 2));
  idle.push_back(message("i", 1));
  idle.push_back(message("i", 2));
  // The coldest ring's room is mid-fan-out on another thread (enforce() may not be called
  // holding a ring's lock itself).
  std::promise<void> locked;
  std::promise<void> enforced;
  std::thread publisher([&] {
    std::lock_guard publishing(busy_lock);
    locked.set_value();
    enforced.get_future().wait();
  });
  locked.get_future().wait();
  budget.enforce();
  enforced.set_value();
  publisher.join();
  EXPECT_EQ(busy.size(), 2u);
  EXPECT_EQ(idle.size(), 0u) << "the next ring pays instead of waiting for the busy one";
  EXPECT_LE(budget.bytes(), budget.limit());
}

TEST(HistoryBudgetTest, RingsGiveTheirBytesBackWhenClearedOrDestroyed) {
  HistoryBudget budget(100 * kCost);
  std::mutex lock;
  HistoryRing kept(50, &budget, lock, false);
  {
    HistoryRing gone(50, &budget, lock, false);
    gone.push_back(message("g", 1));
    kept.push_back(message("k", 1));
    kept.push_back(message("k", 2));
    EXPECT_EQ(budget.bytes(), 3 * kCost);
  }
  EXPECT_EQ(budget.bytes(), 2 * kCost);
  kept.clear();
  EXPECT_EQ(budget.bytes(), 0u);
  EXPECT_TRUE(kept.empty());
  budget.enforce();  // nothing listed: must not touch the destroyed ring
}

TEST(HistoryBudgetTest, ABudgetOfZeroKeepsNothing) {
  HistoryBudget budget(0);
  std::mutex lock;
  HistoryRing ring(50, &budget, lock, false);
  EXPECT_FALSE(ring.enabled());
  ring.push_back(message("d", 1));
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(budget.bytes(), 0u);
}

TEST(HistoryBudgetTest, ShrinkingByAStepIsReportedOnce) {
  HistoryBudget budget(100 * kCost);
  std::mutex lock;
  auto ring = std::make_unique<HistoryRing>(50, &budget, lock, false);
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    ring->push_back(message("d", seq));
  }
  EXPECT_FALSE(budget.shrunk_by(5 * kCost)) << "it grew";
  ring.reset();
  EXPECT_TRUE(budget.shrunk_by(5 * kCost));
  EXPECT_FALSE(budget.shrunk_by(5 * kCost)) << "reported twice";
}

// Rooms as the server runs them: the budget over a whole directory.
class RoomBudgetTest : public chat::testing::OpenSessionsTest {
 protected:
  RoomBudgetTest() : OpenSessionsTest(64 << 20) {}
  void say(Room& room, net::ConnId from, std::size_t bytes) {
    Delivery out(pool_, io_);
    proto::Envelope msg;
    msg.mutable_chat_message()->set_from("alice");
    msg.mutable_chat_message()->set_text(std::string(bytes, 'x'));
    ASSERT_TRUE(room.publish(msg, from, out).published());
  }
  std::shared_ptr<Room> join(RoomDirectory& rooms, const std::string& name, unsigned who) {
    Delivery out(pool_, io_);
    return rooms.join(name, Member{id(who), "alice"}, 0, out);
  }
};

TEST_F(RoomBudgetTest, ManyRoomsFilledPastTheBudgetStayWithinIt) {
  HistoryBudget budget(200 * 1024);
  RoomDirectory rooms("lobby", RoomHistory{nullptr, 50, 500, &budget});
  std::vector<std::shared_ptr<Room>> joined;
  for (int r = 0; r < 15; ++r) {  // 15 rooms x 50 x ~1 KB: about 800 KB kept without a budget
    joined.push_back(join(rooms, "room" + std::to_string(r), 0));
    ASSERT_TRUE(joined.back());
    for (int i = 0; i < 50; ++i) {
      say(*joined.back(), id(0), kText);
      ASSERT_LE(budget.bytes(), budget.limit()) << "room " << r << ", message " << i;
    }
  }
  std::size_t sum = 0;
  for (const auto& room : joined) {
    sum += room->in_memory().bytes;
  }
  EXPECT_EQ(sum, budget.bytes()) << "the rooms and the budget disagree";
  EXPECT_EQ(joined.back()->in_memory().messages, 50u) << "the room in use was evicted";
  EXPECT_EQ(joined.front()->in_memory().messages, 0u) << "the coldest room kept its history";
}

TEST_F(RoomBudgetTest, RoomsThatEmptyGiveTheirBytesBack) {
  HistoryBudget budget(1 << 20);
  RoomDirectory rooms("lobby", RoomHistory{nullptr, 50, 500, &budget});
  for (int r = 0; r < 5; ++r) {
    auto room = join(rooms, "room" + std::to_string(r), 0);
    ASSERT_TRUE(room);
    for (int i = 0; i < 20; ++i) {
      say(*room, id(0), kText);
    }
  }
  auto lobby = join(rooms, "lobby", 0);
  say(*lobby, id(0), kText);
  EXPECT_GT(budget.bytes(), 100 * kText);
  {
    Delivery out(pool_, io_);
    const std::string reason = "quit";
    EXPECT_EQ(rooms.leave_all(id(0), &reason, out), 6u);
  }
  // Without a store the lobby, never removed, keeps its one message: the only copy there is.
  EXPECT_EQ(budget.bytes(), lobby->in_memory().bytes);
  EXPECT_EQ(lobby->in_memory().messages, 1u);
}

// An IoService that starts no I/O and records nothing: safe to share between threads (a send
// it is asked for simply never completes, so each queue keeps what it was given).
class NullIo final : public net::IoService {
 public:
  std::error_code listen(const net::Endpoint&, net::Endpoint*) override { return {}; }
  void stop_accepting() override {}
  net::ConnId connect(const net::Endpoint&, const net::Endpoint&, std::error_code&) override {
    return {};
  }
  void start_recv(net::ConnId) override {}
  void start_send(net::ConnId, std::span<const net::ByteSpan>) override {}
  void shutdown_send(net::ConnId) override {}
  void close(net::ConnId) override {}
  void post(std::function<void()>) override {}
  void run() override {}
  void stop() override {}
  std::string backend_name() const override { return "null"; }
};

TEST_F(RoomBudgetTest, RoomsOnManyThreadsEvictEachOtherAndComeAndGoWithoutLosingCount) {
  HistoryBudget budget(16 * 1024);  // a few messages: every publish evicts somebody's
  RoomDirectory rooms("lobby", RoomHistory{nullptr, 20, 500, &budget});
  NullIo io;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kSessions; ++t) {
    threads.emplace_back([&, t] {
      const net::ConnId me = id(t);
      const std::string home = "home" + std::to_string(t);
      std::shared_ptr<Room> kept;
      {
        Delivery out(pool_, io);
        kept = rooms.join(home, Member{me, "alice"}, 0, out);
      }
      for (int k = 0; k < 200; ++k) {
        const std::string name = "t" + std::to_string(t) + "r" + std::to_string(k % 3);
        Delivery out(pool_, io);
        const auto room = rooms.join(name, Member{me, "alice"}, 0, out);
        ASSERT_TRUE(room);
        for (int i = 0; i < 3; ++i) {
          proto::Envelope msg;
          msg.mutable_chat_message()->set_text(std::string(500, 'x'));
          ASSERT_TRUE(room->publish(msg, me, out).published());
        }
        proto::Envelope msg;
        msg.mutable_chat_message()->set_text(std::string(500, 'y'));
        ASSERT_TRUE(kept->publish(msg, me, out).published());
        ASSERT_TRUE(rooms.leave(name, me, nullptr, out));  // destroyed while others evict
      }
      Delivery out(pool_, io);
      ASSERT_TRUE(rooms.leave(home, me, nullptr, out));
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(rooms.size(), 1u) << "only the lobby is left";
  EXPECT_EQ(budget.bytes(), 0u) << "bytes counted for rooms that are gone";
}

}  // namespace
}  // namespace chat::server
