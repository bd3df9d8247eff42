// Public header. A FIFO of shared frames, stored in a chain of blocks.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
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
// Why the first block is small: most queues never hold more than a few frames (a join's
// answers, a paced round). When ten thousand clients join at once, ten thousand first blocks
// are alive for a moment; at 64 frames each (1 KiB) they left the allocator's pages fragmented
// by a kilobyte per connection for as long as the server ran, where 4 frames leave about 80
// bytes. A backlog beyond the first block grows in blocks of 64, and a FIFO whose last backlog
// did starts its next one with a block of 64 (a burst refills its queues again and again).
//
// Not thread-safe: the SendQueue that owns one guards it.
class FrameFifo {
 public:
  static constexpr std::size_t kFirstBlockFrames = 4;  // the block an empty FIFO starts with
  static constexpr std::size_t kBlockFrames = 64;      // every later block (and see above)

  FrameFifo() = default;
  ~FrameFifo() { clear(); }
  FrameFifo(const FrameFifo&) = delete;
  FrameFifo& operator=(const FrameFifo&) = delete;

  void push_back(SharedBytes frame);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Frame slots in the blocks held now (for tests and diagnostics: walks the chain).
  std::size_t capacity() const;

  // Calls f(frame) for the frames from the front, in order, until f returns false.
  template <typename F>
  void visit(F&& f) const {
    std::size_t pos = head_pos_;
    std::size_t left = size_;
    for (const Block* b = head_; b != nullptr && left > 0; b = b->next, pos = 0) {
      for (; pos < b->capacity && left > 0; ++pos, --left) {
        if (!f(b->frames()[pos])) {
          return;
        }
      }
    }
  }

  // Drops the first `n` frames (n <= size()).
  void pop_front(std::size_t n);
  void clear();

 private:
  // One allocation: this header, then `capacity` frames right after it (see new_block()).
  struct Block {
    Block* next;
    std::size_t capacity;
    SharedBytes* frames() {
      return std::launder(reinterpret_cast<SharedBytes*>(reinterpret_cast<std::byte*>(this + 1)));
    }
    const SharedBytes* frames() const { return const_cast<Block*>(this)->frames(); }
  };
  static Block* new_block(std::size_t capacity);
  static void delete_block(Block* block);

  Block* head_ = nullptr;  // owns the chain
  Block* tail_ = nullptr;
  std::size_t head_pos_ = 0;  // the front frame's slot in head_
  std::size_t tail_pos_ = 0;  // the next free slot in tail_
  std::size_t size_ = 0;
  bool outgrew_first_block_ = false;  // since it was last empty, or before that if it is empty
};

}  // namespace chat::net
