#include "seen_messages.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace chat::client {

std::string SeenMessages::key(const std::string& room) {
  std::string k = room;
  std::transform(k.begin(), k.end(), k.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return k;
}

void SeenMessages::record(const std::string& room, std::uint64_t seq, Id id) {
  auto& seqs = rooms_[key(room)];
  seqs[seq] = id;
  while (seqs.size() > kKeptPerRoom) {
    seqs.erase(seqs.begin());  // the oldest: what a resume no longer needs to ask for again
  }
}

bool SeenMessages::seen(const std::string& room, std::uint64_t seq, Id id) const {
  const auto r = rooms_.find(key(room));
  if (r == rooms_.end()) {
    return false;
  }
  const auto m = r->second.find(seq);
  return m != r->second.end() && m->second == id;
}

std::uint64_t SeenMessages::resume_from(const std::string& room) const {
  const auto r = rooms_.find(key(room));
  if (r == rooms_.end() || r->second.empty()) {
    return 0;
  }
  return r->second.begin()->first - 1;
}

SeenMessages::Unseen SeenMessages::unseen(const std::string& room, std::uint64_t first,
                                          std::uint64_t last) const {
  Unseen out;
  if (last < first) {
    return out;
  }
  std::uint64_t lo = first;
  std::uint64_t hi = last;
  std::uint64_t shown = 0;  // remembered seqs in first..last
  if (const auto r = rooms_.find(key(room)); r != rooms_.end()) {
    const auto begin = r->second.lower_bound(first);
    const auto end = r->second.upper_bound(last);
    shown = static_cast<std::uint64_t>(std::distance(begin, end));
    if (shown == last - first + 1) {
      return out;  // every one of them was shown
    }
    // Trim the shown ends so the range printed is the unshown one.
    for (auto it = begin; it != end && it->first == lo; ++it) {
      ++lo;
    }
    for (auto it = std::make_reverse_iterator(end);
         it != std::make_reverse_iterator(begin) && it->first == hi; ++it) {
      --hi;
    }
  }
  out.first = lo;
  out.last = hi;
  out.count = last - first + 1 - shown;
  return out;
}

void SeenMessages::forget(const std::string& room) {
  rooms_.erase(key(room));
}

}  // namespace chat::client
