#include "frame_fifo.h"

namespace chat::net {

void FrameFifo::push_back(SharedBytes frame) {
  if (tail_ == nullptr || tail_pos_ == kPerBlock) {
    auto* block = new Block;
    if (tail_ == nullptr) {
      head_ = block;
      head_pos_ = 0;
    } else {
      tail_->next = block;
    }
    tail_ = block;
    tail_pos_ = 0;
  }
  tail_->frames[tail_pos_++] = std::move(frame);
  ++size_;
}

void FrameFifo::pop_front(std::size_t n) {
  for (; n > 0 && size_ > 0; --n, --size_) {
    head_->frames[head_pos_++].reset();
    if (head_pos_ == kPerBlock || size_ == 1) {
      Block* sent = head_;
      head_ = head_->next;
      head_pos_ = 0;
      if (head_ == nullptr) {
        tail_ = nullptr;
        tail_pos_ = 0;
      }
      delete sent;
    }
  }
}

void FrameFifo::clear() {
  while (head_ != nullptr) {
    Block* next = head_->next;
    delete head_;
    head_ = next;
  }
  tail_ = nullptr;
  head_pos_ = 0;
  tail_pos_ = 0;
  size_ = 0;
}

}  // namespace chat::net
