#include "net/retry_backoff.h"

#include <gtest/gtest.h>

namespace chat::net {
namespace {

using std::chrono::milliseconds;

TEST(RetryBackoff, DoublesFrom10msUpTo1sAndStartsOverAfterASuccess) {
  RetryBackoff backoff;
  const milliseconds expected[] = {milliseconds(10),  milliseconds(20),   milliseconds(40),
                                   milliseconds(80),  milliseconds(160),  milliseconds(320),
                                   milliseconds(640), milliseconds(1000), milliseconds(1000)};
  for (const milliseconds delay : expected) {
    EXPECT_EQ(backoff.next(), delay);
  }
  backoff.reset();
  EXPECT_EQ(backoff.next(), milliseconds(10));
}

}  // namespace
}  // namespace chat::net
