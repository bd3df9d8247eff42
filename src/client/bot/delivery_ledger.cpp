#include "delivery_ledger.h"

namespace chat::bot {

DeliveryLedger::Verdict DeliveryLedger::record(std::size_t sender, std::uint64_t seq) {
  if (sender >= from_.size()) {
    from_.resize(sender + 1);
  }
  Sender& s = from_[sender];
  const std::size_t word = seq / 64;
  const std::uint64_t bit = std::uint64_t{1} << (seq % 64);
  if (word >= s.seen.size()) {
    s.seen.resize(word + 1 + s.seen.size() / 2);
  }
  if ((s.seen[word] & bit) != 0) {
    ++duplicates_;
    return Verdict::duplicate;
  }
  s.seen[word] |= bit;
  ++s.unique;
  ++unique_;
  if (seq == s.next) {
    ++s.next;
    return Verdict::in_order;
  }
  ++out_of_order_;  // a gap (seq > next) or a late one filling it (seq < next)
  if (seq > s.next) {
    s.next = seq + 1;
  }
  return Verdict::out_of_order;
}

std::uint64_t DeliveryLedger::unique_from(std::size_t sender) const {
  return sender < from_.size() ? from_[sender].unique : 0;
}

}  // namespace chat::bot
