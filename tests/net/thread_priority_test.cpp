// Background threads: a thread may lower its own priority (the auth pool's do).
#include "net/thread_priority.h"

#include <gtest/gtest.h>

#include <thread>

namespace chat::net {
namespace {

bool set_on_a_new_thread(ThreadPriority first, ThreadPriority then) {
  bool ok = false;
  std::thread t([&] { ok = set_this_thread_priority(first) && set_this_thread_priority(then); });
  t.join();
  return ok;
}

TEST(ThreadPriorityTest, AThreadMayLowerItsOwnPriorityToEachLevel) {
  EXPECT_TRUE(set_on_a_new_thread(ThreadPriority::normal, ThreadPriority::normal));
  EXPECT_TRUE(set_on_a_new_thread(ThreadPriority::low, ThreadPriority::low));
  EXPECT_TRUE(set_on_a_new_thread(ThreadPriority::idle, ThreadPriority::idle));
  EXPECT_TRUE(set_on_a_new_thread(ThreadPriority::low, ThreadPriority::idle));
}

}  // namespace
}  // namespace chat::net
