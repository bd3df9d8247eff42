#include "client/bot/delivery_ledger.h"

#include <gtest/gtest.h>

namespace chat::bot {
namespace {

using Verdict = DeliveryLedger::Verdict;

TEST(DeliveryLedgerTest, InOrderFromSeveralSenders) {
  DeliveryLedger ledger(2);
  for (std::uint64_t seq = 1; seq <= 200; ++seq) {
    EXPECT_EQ(ledger.record(0, seq), Verdict::in_order);
    EXPECT_EQ(ledger.record(1, seq), Verdict::in_order);
  }
  EXPECT_EQ(ledger.unique(), 400u);
  EXPECT_EQ(ledger.unique_from(0), 200u);
  EXPECT_EQ(ledger.duplicates(), 0u);
  EXPECT_EQ(ledger.out_of_order(), 0u);
}

TEST(DeliveryLedgerTest, ARepeatIsADuplicateNotANewDelivery) {
  DeliveryLedger ledger;
  ledger.record(3, 1);
  ledger.record(3, 2);
  EXPECT_EQ(ledger.record(3, 2), Verdict::duplicate);
  EXPECT_EQ(ledger.record(3, 1), Verdict::duplicate);
  EXPECT_EQ(ledger.unique(), 2u);
  EXPECT_EQ(ledger.unique_from(3), 2u);
  EXPECT_EQ(ledger.duplicates(), 2u);
  EXPECT_EQ(ledger.out_of_order(), 0u);
}

TEST(DeliveryLedgerTest, AGapAndTheLateMessageAreBothOutOfOrder) {
  DeliveryLedger ledger;
  EXPECT_EQ(ledger.record(0, 1), Verdict::in_order);
  EXPECT_EQ(ledger.record(0, 3), Verdict::out_of_order);  // 2 skipped
  EXPECT_EQ(ledger.record(0, 4), Verdict::in_order);
  EXPECT_EQ(ledger.record(0, 2), Verdict::out_of_order);  // 2 arrives late
  EXPECT_EQ(ledger.unique(), 4u);
  EXPECT_EQ(ledger.out_of_order(), 2u);
}

TEST(DeliveryLedgerTest, ALostMessageLeavesTheUniqueCountShort) {
  DeliveryLedger ledger;
  for (std::uint64_t seq = 1; seq <= 1000; ++seq) {
    if (seq != 500) {
      ledger.record(0, seq);
    }
  }
  EXPECT_EQ(ledger.unique_from(0), 999u);
  EXPECT_EQ(ledger.out_of_order(), 1u);  // 501 came after 499
}

TEST(DeliveryLedgerTest, LargeSequenceNumbersGrowTheBitmap) {
  DeliveryLedger ledger;
  EXPECT_EQ(ledger.record(0, 1'000'000), Verdict::out_of_order);
  EXPECT_EQ(ledger.record(0, 1'000'000), Verdict::duplicate);
  EXPECT_EQ(ledger.record(0, 1'000'001), Verdict::in_order);
  EXPECT_EQ(ledger.unique(), 2u);
}

}  // namespace
}  // namespace chat::bot
