#include "client/bot/delivery_ledger.h"

#include <gtest/gtest.h>

namespace chat::bot {
namespace {

using Verdict = DeliveryLedger::Verdict;

void expect_totals(const DeliveryLedger& ledger, std::uint64_t unique, std::uint64_t duplicates,
                   std::uint64_t out_of_order) {
  EXPECT_EQ(ledger.unique(), unique);
  EXPECT_EQ(ledger.duplicates(), duplicates);
  EXPECT_EQ(ledger.out_of_order(), out_of_order);
}

TEST(DeliveryLedgerTest, InOrderFromSeveralSenders) {
  DeliveryLedger ledger(2);
  for (std::uint64_t seq = 1; seq <= 200; ++seq) {
    EXPECT_EQ(ledger.record(0, seq), Verdict::in_order);
    EXPECT_EQ(ledger.record(1, seq), Verdict::in_order);
  }
  expect_totals(ledger, 400, 0, 0);
  EXPECT_EQ(ledger.unique_from(0), 200u);
}

TEST(DeliveryLedgerTest, ARepeatIsADuplicateNotANewDelivery) {
  DeliveryLedger ledger;
  ledger.record(3, 1);
  ledger.record(3, 2);
  EXPECT_EQ(ledger.record(3, 2), Verdict::duplicate);
  EXPECT_EQ(ledger.record(3, 1), Verdict::duplicate);
  expect_totals(ledger, 2, 2, 0);
  EXPECT_EQ(ledger.unique_from(3), 2u);
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
