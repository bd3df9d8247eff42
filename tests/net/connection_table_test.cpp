#include "net/connection_table.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>

namespace chat::net {
namespace {

struct TestConn : ConnSlot {
  int payload = 0;
};

// Takes a free slot and opens it, as a backend's allocate() does.
ConnId open_one(ConnectionTable<TestConn>& table) {
  const std::optional<std::uint32_t> index = table.take_free();
  if (!index) {
    return {};
  }
  std::lock_guard lock(table.at(*index).mutex);
  return table.open_locked(*index);
}

// Closes an open connection and frees its slot, as close() and then on_closed() do.
void close_and_release(ConnectionTable<TestConn>& table, ConnId id) {
  {
    std::unique_lock<std::mutex> lock;
    TestConn* c = table.lock_open(id, lock);
    ASSERT_NE(c, nullptr);
    c->closing = true;
    ASSERT_TRUE(c->finish_op());  // the accept's operation was the last one
  }
  table.release(id, [](TestConn& c) { c.payload = 0; });
}

TEST(ConnectionTable, HandsOutTheLowestFreeIndexWithAValidGenerationAndOnePendingOperation) {
  ConnectionTable<TestConn> table(3);
  const ConnId first = open_one(table);
  const ConnId second = open_one(table);
  EXPECT_EQ(first.index, 0u);
  EXPECT_EQ(second.index, 1u);
  EXPECT_TRUE(first.valid());
  std::unique_lock<std::mutex> lock;
  TestConn* c = table.lock_open(first, lock);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->in_use);
  EXPECT_FALSE(c->closing);
  EXPECT_EQ(c->pending, 1u);
}

TEST(ConnectionTable, ReleaseBumpsTheGenerationAndTheStaleIdIsRefused) {
  ConnectionTable<TestConn> table(1);
  const ConnId old_id = open_one(table);
  {
    std::unique_lock<std::mutex> lock;
    table.lock_open(old_id, lock)->payload = 42;
  }
  close_and_release(table, old_id);
  EXPECT_EQ(table.at(0).payload, 0) << "release() runs the backend's clear on the slot";

  const ConnId new_id = open_one(table);
  EXPECT_EQ(new_id.index, old_id.index) << "the freed slot is reused";
  EXPECT_EQ(new_id.generation, old_id.generation + 1);
  std::unique_lock<std::mutex> stale_lock;
  EXPECT_EQ(table.lock_open(old_id, stale_lock), nullptr);
  EXPECT_FALSE(stale_lock.owns_lock()) << "a refused id leaves the slot unlocked";
  if (stale_lock.owns_lock()) {
    stale_lock.unlock();  // so that a failure here is reported, not a deadlock below
  }
  std::unique_lock<std::mutex> lock;
  EXPECT_NE(table.lock_open(new_id, lock), nullptr);
}

TEST(ConnectionTable, AClosingConnectionAndAnIdOutOfRangeAreRefused) {
  ConnectionTable<TestConn> table(2);
  const ConnId id = open_one(table);
  std::unique_lock<std::mutex> lock;
  EXPECT_EQ(table.lock_open(ConnId{2, 1}, lock), nullptr);
  EXPECT_EQ(table.lock_open(ConnId{1, 1}, lock), nullptr) << "a slot never opened";
  table.lock_open(id, lock)->closing = true;
  lock.unlock();
  EXPECT_EQ(table.lock_open(id, lock), nullptr);
}

TEST(ConnectionTable, RefusesOnceFullAndTakesAgainAfterARelease) {
  ConnectionTable<TestConn> table(2);
  const ConnId a = open_one(table);
  const ConnId b = open_one(table);
  ASSERT_TRUE(a.valid() && b.valid());
  EXPECT_FALSE(table.take_free().has_value());
  close_and_release(table, b);
  const ConnId c = open_one(table);
  EXPECT_EQ(c.index, b.index);
  EXPECT_FALSE(table.take_free().has_value());
}

TEST(ConnectionTable, ASlotPutBackUnopenedKeepsItsGeneration) {
  ConnectionTable<TestConn> table(1);
  const std::optional<std::uint32_t> index = table.take_free();
  ASSERT_TRUE(index.has_value());
  table.put_back(*index);  // e.g. the epoll set refused the socket
  const ConnId id = open_one(table);
  EXPECT_EQ(id, (ConnId{0, 1}));
}

TEST(ConnectionTable, TheGenerationSkipsZeroWhenItWrapsAround) {
  ConnectionTable<TestConn> table(1);
  table.at(0).generation = 0xFFFFFFFFu;
  const ConnId last = open_one(table);
  EXPECT_EQ(last.generation, 0xFFFFFFFFu);
  close_and_release(table, last);
  const ConnId next = open_one(table);
  EXPECT_EQ(next.generation, 1u) << "generation 0 would make the id invalid";
  EXPECT_TRUE(next.valid());
}

TEST(ConnectionTable, FinishOpSaysCloseOnlyForTheLastOperationOfAClosingConnection) {
  ConnSlot slot;
  slot.pending = 2;
  EXPECT_FALSE(slot.finish_op()) << "not closing";
  slot.pending = 2;
  slot.closing = true;
  EXPECT_FALSE(slot.finish_op()) << "one operation left";
  EXPECT_TRUE(slot.finish_op());
}

TEST(ConnectionTable, EverySlotIsHandedOutOnceUntilReleased) {
  constexpr unsigned kSlots = 64;
  ConnectionTable<TestConn> table(kSlots);
  std::set<std::uint32_t> seen;
  for (unsigned i = 0; i < kSlots; ++i) {
    const ConnId id = open_one(table);
    ASSERT_TRUE(id.valid());
    EXPECT_TRUE(seen.insert(id.index).second) << "slot " << id.index << " handed out twice";
  }
  EXPECT_FALSE(open_one(table).valid());
}

}  // namespace
}  // namespace chat::net
