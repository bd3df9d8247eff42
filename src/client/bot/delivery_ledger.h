// Public header. What one receiving bot got from each sender: every message's per-sender
// sequence number is recorded, so that loss, duplication and reordering are told apart exactly.
#pragma once

#include <cstdint>
#include <vector>

namespace chat::bot {

// Not thread-safe: owned by one bot, whose callbacks run one at a time.
class DeliveryLedger {
 public:
  explicit DeliveryLedger(std::size_t senders = 0) : from_(senders) {}

  enum class Verdict { in_order, duplicate, out_of_order };
  // Sequence numbers start at 1 for each sender.
  Verdict record(std::size_t sender, std::uint64_t seq);

  std::uint64_t unique() const { return unique_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t out_of_order() const { return out_of_order_; }
  // Unique messages received from `sender`.
  std::uint64_t unique_from(std::size_t sender) const;

 private:
  struct Sender {
    std::uint64_t next = 1;           // the next sequence number expected in order
    std::vector<std::uint64_t> seen;  // bit per sequence number, grown on demand
    std::uint64_t unique = 0;
  };
  std::vector<Sender> from_;
  std::uint64_t unique_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t out_of_order_ = 0;
};

}  // namespace chat::bot
