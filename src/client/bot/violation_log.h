// Public header. What went wrong in a bot run, with repeats grouped into one line each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chat::bot {

// Why grouped: a server that refuses the bots usually refuses all of them alike (flood control,
// a full server), and a list of the first twenty identical lines hides every other problem.
//
// Not thread-safe: BotFleet guards it with its mutex.
class ViolationLog {
 public:
  explicit ViolationLog(std::size_t max_distinct = 20) : max_distinct_(max_distinct) {}

  // `who` (a bot's nickname; empty for the run as a whole) saw `what`. The same `what` from
  // anyone is counted on the line of its first report.
  void add(std::string_view who, std::string_view what);

  // One line per distinct complaint, in the order first seen: "bot3: what", or "bot3: what
  // (and 4 more like it)"; then how many distinct complaints were not kept, if any.
  std::vector<std::string> lines() const;

 private:
  struct Entry {
    std::string first_who;
    std::string what;
    std::uint64_t count = 0;
  };
  std::vector<Entry> entries_;
  std::size_t max_distinct_;
  std::uint64_t not_kept_ = 0;  // reports of complaints beyond max_distinct_
};

}  // namespace chat::bot
