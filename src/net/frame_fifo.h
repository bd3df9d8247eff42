// Public header. A FIFO of shared frames, stored in fixed-size blocks.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>

namespace chat::net {

// Immutable frame bytes. A broadcast serializes once and every recipient's queue holds the same
// bytes (a reference count, not a copy).
using SharedBytes = std::shared_ptr<const std::string>;

// Why blocks and not a vector: in a burst a recipient's backlog grows to thousands of frames
// while it drains from the front. A vector relocates every frame each time it grows, and again
// to reclaim the sent front; a chain of blocks never moves a frame, and frees each block once
// its frames are sent, so the memory follows the backlog down to nothing when idle.
//
// Not thread-safe: the SendQueue that owns one guards it.
class FrameFifo {
 public:
  FrameFifo() = default;
  ~FrameFifo() { clear(); }
  FrameFifo(const FrameFifo&) = delete;
  FrameFifo& operator=(const FrameFifo&) = delete;

  void push_back(SharedBytes frame);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Calls f(frame) for the frames from the front, in order, until f returns false.
  template <typename F>
  void visit(F&& f) const {
    std::size_t pos = head_pos_;
    std::size_t left = size_;
    for (const Block* b = head_; b != nullptr && left > 0; b = b->next, pos = 0) {
      for (; pos < kPerBlock && left > 0; ++pos, --left) {
        if (!f(b->frames[pos])) {
          return;
        }
      }
    }
  }

  // Drops the first `n` frames (n <= size()).
  void pop_front(std::size_t n);
  void clear();

 private:
  static constexpr std::size_t kPerBlock = 64;
  struct Block {
    std::array<SharedBytes, kPerBlock> frames;
    Block* next = nullptr;
  };

  Block* head_ = nullptr;  // owns the chain
  Block* tail_ = nullptr;
  std::size_t head_pos_ = 0;  // the front frame's slot in head_
  std::size_t tail_pos_ = 0;  // the next free slot in tail_
  std::size_t size_ = 0;
};

}  // namespace chat::net
