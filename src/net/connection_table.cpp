#include "connection_table.h"

namespace chat::net {

FreeSlots::FreeSlots(unsigned capacity) {
  free_.reserve(capacity);
  for (std::uint32_t i = capacity; i > 0; --i) {
    free_.push_back(i - 1);  // lowest index on top
  }
}

std::optional<std::uint32_t> FreeSlots::take() {
  std::lock_guard lock(mutex_);
  if (free_.empty()) {
    return std::nullopt;
  }
  const std::uint32_t index = free_.back();
  free_.pop_back();
  return index;
}

void FreeSlots::put(std::uint32_t index) {
  std::lock_guard lock(mutex_);
  free_.push_back(index);
}

}  // namespace chat::net
