#include "connection_budget.h"

#include <algorithm>

namespace chat::server {
namespace {
// 64-bit: near the top of unsigned the sum would wrap.
unsigned long long slots_for(unsigned long long clients) {
  return clients + std::max(16ull, clients / 8);
}
}  // namespace

unsigned connection_slots_for(unsigned max_clients) {
  return static_cast<unsigned>(std::min<unsigned long long>(slots_for(max_clients), ~0u));
}

unsigned clients_within_open_file_limit(unsigned open_file_limit) {
  if (open_file_limit <= kDescriptorsBesidesConnections + 16) {
    return 0;
  }
  const unsigned slots = open_file_limit - kDescriptorsBesidesConnections;
  // slots = n + max(16, n / 8): start from n = slots * 8 / 9 (exact but for rounding) and step
  // to the largest n that fits.
  unsigned long long n = std::min<unsigned long long>(slots * 8ull / 9, slots - 16);
  while (n > 0 && slots_for(n) > slots) {
    --n;
  }
  while (slots_for(n + 1) <= slots) {
    ++n;
  }
  return static_cast<unsigned>(n);
}

}  // namespace chat::server
