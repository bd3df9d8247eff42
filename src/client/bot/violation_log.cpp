#include "violation_log.h"

#include <algorithm>

#include <fmt/format.h>

namespace chat::bot {

void ViolationLog::add(std::string_view who, std::string_view what) {
  const auto same = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Entry& e) { return e.what == what; });
  if (same != entries_.end()) {
    ++same->count;
  } else if (entries_.size() < max_distinct_) {
    entries_.push_back(Entry{std::string(who), std::string(what), 1});
  } else {
    ++not_kept_;
  }
}

std::vector<std::string> ViolationLog::lines() const {
  std::vector<std::string> out;
  out.reserve(entries_.size() + 1);
  for (const Entry& e : entries_) {
    std::string line = e.first_who.empty() ? e.what : e.first_who + ": " + e.what;
    if (e.count > 1) {
      line += fmt::format(" (and {} more like it)", e.count - 1);
    }
    out.push_back(std::move(line));
  }
  if (not_kept_ != 0) {
    out.push_back(fmt::format("{} more reports of other kinds, not listed", not_kept_));
  }
  return out;
}

}  // namespace chat::bot
