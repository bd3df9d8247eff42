#include "net/frame_fifo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chat::net {
namespace {

SharedBytes frame(int i) {
  return std::make_shared<const std::string>(std::to_string(i));
}

std::vector<std::string> contents(const FrameFifo& fifo) {
  std::vector<std::string> all;
  fifo.visit([&](const SharedBytes& f) {
    all.push_back(*f);
    return true;
  });
  return all;
}

std::vector<std::string> numbers(int from, int to) {
  std::vector<std::string> all;
  for (int i = from; i < to; ++i) {
    all.push_back(std::to_string(i));
  }
  return all;
}

// Across block boundaries (the first block holds 4, the later ones 64), pushing and popping in
// uneven steps.
TEST(FrameFifoTest, KeepsOrderAcrossBlocks) {
  FrameFifo fifo;
  int pushed = 0;
  int popped = 0;
  for (const auto& [push, pop] : std::vector<std::pair<int, int>>{
           {1, 0}, {63, 1}, {70, 64}, {200, 5}, {0, 100}, {129, 200}, {0, 93}}) {
    for (int i = 0; i < push; ++i) {
      fifo.push_back(frame(pushed++));
    }
    fifo.pop_front(static_cast<std::size_t>(pop));
    popped += pop;
    ASSERT_EQ(fifo.size(), static_cast<std::size_t>(pushed - popped));
    ASSERT_EQ(contents(fifo), numbers(popped, pushed));
  }
  EXPECT_TRUE(fifo.empty());
  fifo.push_back(frame(7));  // usable again once empty
  EXPECT_EQ(contents(fifo), std::vector<std::string>{"7"});
}

// A queue that holds a few frames holds a small block: what a join or a paced round needs. One
// whose backlog outgrew that starts its next backlog with a large block, until one fits again.
TEST(FrameFifoTest, StartsWithASmallBlockUnlessItsLastBacklogOutgrewOne) {
  FrameFifo fifo;
  EXPECT_EQ(fifo.capacity(), 0u);
  fifo.push_back(frame(0));
  EXPECT_EQ(fifo.capacity(), FrameFifo::kFirstBlockFrames);
  fifo.pop_front(1);  // empty: nothing held
  EXPECT_EQ(fifo.capacity(), 0u);
  for (int i = 1; i < 6; ++i) {
    fifo.push_back(frame(i));
  }
  EXPECT_EQ(fifo.capacity(), FrameFifo::kFirstBlockFrames + FrameFifo::kBlockFrames);
  fifo.pop_front(FrameFifo::kFirstBlockFrames);  // the first block is sent and freed
  EXPECT_EQ(fifo.capacity(), FrameFifo::kBlockFrames);
  fifo.pop_front(1);
  EXPECT_EQ(fifo.capacity(), 0u);
  fifo.push_back(frame(6));  // after a backlog that outgrew its first block: a large one
  EXPECT_EQ(fifo.capacity(), FrameFifo::kBlockFrames);
  fifo.pop_front(1);
  fifo.push_back(frame(7));  // that one fitted: small again
  EXPECT_EQ(fifo.capacity(), FrameFifo::kFirstBlockFrames);
  EXPECT_EQ(contents(fifo), std::vector<std::string>{"7"});
  for (int i = 8; i < 13; ++i) {
    fifo.push_back(frame(i));
  }
  fifo.clear();  // the slot's next connection starts small
  fifo.push_back(frame(13));
  EXPECT_EQ(fifo.capacity(), FrameFifo::kFirstBlockFrames);
}

TEST(FrameFifoTest, VisitStopsWhenAsked) {
  FrameFifo fifo;
  for (int i = 0; i < 100; ++i) {
    fifo.push_back(frame(i));
  }
  std::vector<std::string> first;
  fifo.visit([&](const SharedBytes& f) {
    first.push_back(*f);
    return first.size() < 70;
  });
  EXPECT_EQ(first, numbers(0, 70));
}

TEST(FrameFifoTest, PopAndClearReleaseTheFrames) {
  const SharedBytes shared = frame(1);
  FrameFifo fifo;
  for (int i = 0; i < 130; ++i) {
    fifo.push_back(shared);
  }
  EXPECT_EQ(shared.use_count(), 131);
  fifo.pop_front(65);
  EXPECT_EQ(shared.use_count(), 66);
  fifo.clear();
  EXPECT_EQ(shared.use_count(), 1);
  EXPECT_TRUE(fifo.empty());
  {
    FrameFifo dropped;
    dropped.push_back(shared);
  }
  EXPECT_EQ(shared.use_count(), 1) << "the destructor releases what is left";
}

TEST(FrameFifoTest, PoppingMoreThanThereIsEmptiesIt) {
  FrameFifo fifo;
  fifo.push_back(frame(1));
  fifo.push_back(frame(2));
  fifo.pop_front(5);
  EXPECT_TRUE(fifo.empty());
  EXPECT_TRUE(contents(fifo).empty());
}

}  // namespace
}  // namespace chat::net
