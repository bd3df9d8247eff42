#include "hash_memory.h"

#include <new>

namespace chat::server {

std::uint8_t* HashMemory::take(std::size_t bytes) noexcept {
  if (bytes <= size_) {
    return block_.get();
  }
  release();
  // Uninitialized: the operating system supplies pages as they are first written, once.
  block_.reset(new (std::nothrow) std::uint8_t[bytes]);
  if (!block_) {
    return nullptr;
  }
  size_ = bytes;
  if (held_total_ != nullptr) {
    held_total_->fetch_add(size_, std::memory_order_relaxed);
  }
  return block_.get();
}

void HashMemory::release() noexcept {
  if (held_total_ != nullptr) {
    held_total_->fetch_sub(size_, std::memory_order_relaxed);
  }
  block_.reset();
  size_ = 0;
}

}  // namespace chat::server
