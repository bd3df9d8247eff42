// Thread names, as top -H and debuggers show them.
#include "net/thread_name.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace chat::net {
namespace {

std::string name_seen_by_a_thread_named(const std::string& name) {
  std::string seen;
  std::thread named = start_named_thread(name, [&] { seen = this_thread_name(); });
  named.join();
  return seen;
}

TEST(ThreadNameTest, AThreadCarriesTheNameItWasGiven) {
  EXPECT_EQ(name_seen_by_a_thread_named("chat-io-3"), "chat-io-3");
}

TEST(ThreadNameTest, ANameTooLongForTheSystemIsCutNotRefused) {
  const std::string name = "chat-a-name-longer-than-fifteen-bytes";
  const std::string seen = name_seen_by_a_thread_named(name);
  EXPECT_GE(seen.size(), 15u);
  EXPECT_EQ(name.rfind(seen, 0), 0u) << seen;
}

}  // namespace
}  // namespace chat::net
