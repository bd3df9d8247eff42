#include "session_pool.h"

namespace chat::server {

SessionPool::SessionPool(unsigned capacity, std::size_t max_frame_bytes,
                         std::size_t max_send_queue_bytes, const wire::FramedMessage& cut_notice,
                         std::function<void(net::ConnId)> on_cut, net::FramingKind framing)
    : on_cut_(std::move(on_cut)) {
  slots_.reserve(capacity);
  for (unsigned i = 0; i < capacity; ++i) {
    slots_.push_back(std::make_unique<Session>(net::make_framing(framing, max_frame_bytes),
                                               max_send_queue_bytes, cut_notice.frame(framing)));
  }
}

void SessionPool::report_cut(net::ConnId id, net::IoService& io) {
  if (on_cut_) {
    io.post([this, id] { on_cut_(id); });
  }
}

}  // namespace chat::server
