// How many clients the server serves for a given --max-clients and open-file limit.
#include "connection_budget.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

namespace chat::server {
namespace {

TEST(ConnectionBudgetTest, KeepsOneSlotInEightAndAtLeastSixteenForTellingTheExtraOnesFull) {
  EXPECT_EQ(connection_slots_for(1), 17u);
  EXPECT_EQ(connection_slots_for(128), 144u);
  EXPECT_EQ(connection_slots_for(1024), 1152u);
  EXPECT_EQ(connection_slots_for(50000), 56250u);
}

TEST(ConnectionBudgetTest, ServesTheMostClientsWhoseSlotsFitInTheOpenFileLimit) {
  for (const unsigned limit : {81u, 100u, 120u, 208u, 209u, 1024u, 4096u, 20000u, 1048576u}) {
    const unsigned clients = clients_within_open_file_limit(limit);
    ASSERT_GT(clients, 0u) << limit;
    EXPECT_LE(connection_slots_for(clients) + kDescriptorsBesidesConnections, limit) << limit;
    EXPECT_GT(connection_slots_for(clients + 1) + kDescriptorsBesidesConnections, limit) << limit;
  }
  EXPECT_EQ(clients_within_open_file_limit(120), 40u);       // 40 + 16 + 64
  EXPECT_EQ(clients_within_open_file_limit(20000), 17721u);  // + 2215 + 64
}

TEST(ConnectionBudgetTest, ALimitTooLowForOneClientServesNone) {
  EXPECT_EQ(clients_within_open_file_limit(0), 0u);
  EXPECT_EQ(clients_within_open_file_limit(kDescriptorsBesidesConnections + 16), 0u);
  EXPECT_EQ(clients_within_open_file_limit(kDescriptorsBesidesConnections + 17), 1u);
}

TEST(ConnectionBudgetTest, AnUnlimitedLimitDoesNotWrapAround) {
  const unsigned most = std::numeric_limits<unsigned>::max();
  const unsigned long long clients = clients_within_open_file_limit(most);
  const auto descriptors = [](unsigned long long n) {  // computed apart, in 64 bits
    return n + std::max(16ull, n / 8) + kDescriptorsBesidesConnections;
  };
  EXPECT_LE(descriptors(clients), most);
  EXPECT_GT(descriptors(clients + 1), most);
}

}  // namespace
}  // namespace chat::server
