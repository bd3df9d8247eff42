#include "frame_fifo.h"

#include <memory>
#include <new>

namespace chat::net {

FrameFifo::Block* FrameFifo::new_block(std::size_t capacity) {
  static_assert(sizeof(Block) % alignof(SharedBytes) == 0, "the frames follow the header");
  void* raw = ::operator new(sizeof(Block) + capacity * sizeof(SharedBytes));
  std::uninitialized_default_construct_n(
      reinterpret_cast<SharedBytes*>(static_cast<std::byte*>(raw) + sizeof(Block)), capacity);
  return ::new (raw) Block{nullptr, capacity};
}

void FrameFifo::delete_block(Block* block) {
  std::destroy_n(block->frames(), block->capacity);
  block->~Block();
  ::operator delete(block);
}

void FrameFifo::push_back(SharedBytes frame) {
  if (tail_ == nullptr || tail_pos_ == tail_->capacity) {
    const bool starting = tail_ == nullptr;
    Block* block = new_block(starting && !outgrew_first_block_ ? kFirstBlockFrames : kBlockFrames);
    outgrew_first_block_ = !starting;
    if (starting) {
      head_ = block;
      head_pos_ = 0;
    } else {
      tail_->next = block;
    }
    tail_ = block;
    tail_pos_ = 0;
  }
  tail_->frames()[tail_pos_++] = std::move(frame);
  ++size_;
}

std::size_t FrameFifo::capacity() const {
  std::size_t slots = 0;
  for (const Block* b = head_; b != nullptr; b = b->next) {
    slots += b->capacity;
  }
  return slots;
}

void FrameFifo::pop_front(std::size_t n) {
  for (; n > 0 && size_ > 0; --n, --size_) {
    head_->frames()[head_pos_++].reset();
    if (head_pos_ == head_->capacity || size_ == 1) {
      Block* sent = head_;
      head_ = head_->next;
      head_pos_ = 0;
      if (head_ == nullptr) {
        tail_ = nullptr;
        tail_pos_ = 0;
      }
      delete_block(sent);
    }
  }
}

void FrameFifo::clear() {
  while (head_ != nullptr) {
    Block* next = head_->next;
    delete_block(head_);
    head_ = next;
  }
  tail_ = nullptr;
  head_pos_ = 0;
  tail_pos_ = 0;
  size_ = 0;
  outgrew_first_block_ = false;
}

}  // namespace chat::net
