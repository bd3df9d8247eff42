// Internal header (net backends). Where a gathered send stands: which of the caller's buffers
// are written, and how far into the first one that is not. The POSIX backends hand the kernel
// what is left (up to one iovec array) and advance by what it took, until nothing is left.
#pragma once

#include <cstddef>
#include <span>

#include "io_service.h"

namespace chat::net {

// Not thread-safe: it lives in a connection slot, under the slot's mutex.
class GatherCursor {
 public:
  // Starts over on `buffers`; they must outlive the cursor's use of them.
  void reset(std::span<const ByteSpan> buffers) {
    buffers_ = buffers;
    index_ = 0;
    offset_ = 0;
  }
  // Forgets the buffers (the send is over).
  void clear() { reset({}); }

  // True when every byte is written (empty buffers count as written once passed).
  bool done() const { return index_ >= buffers_.size(); }

  // Calls `put(piece_number, data, size)` for each piece left to write, in order, at most
  // `max_pieces` of them (the first one partly written already starts past what was written).
  // Returns how many pieces it gave.
  template <typename Put>
  std::size_t for_each_left(std::size_t max_pieces, Put&& put) const {
    std::size_t count = 0;
    for (std::size_t i = index_; i < buffers_.size() && count < max_pieces; ++i) {
      const std::size_t skip = (i == index_) ? offset_ : 0;
      put(count, buffers_[i].data() + skip, buffers_[i].size() - skip);
      ++count;
    }
    return count;
  }

  // The kernel took `written` more bytes: moves past them, and past any empty buffers there.
  void advance(std::size_t written) {
    while (index_ < buffers_.size()) {
      const std::size_t rest = buffers_[index_].size() - offset_;
      if (written < rest) {
        offset_ += written;
        return;
      }
      written -= rest;
      ++index_;
      offset_ = 0;
    }
  }

 private:
  std::span<const ByteSpan> buffers_;
  std::size_t index_ = 0;   // the first buffer not fully written
  std::size_t offset_ = 0;  // bytes of buffers_[index_] already written
};

}  // namespace chat::net
