// Internal header (server). The preallocated sessions, one per connection slot.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "net/io_service.h"
#include "net/wire/envelope_codec.h"
#include "session.h"

namespace chat::server {

// One Session per connection slot of the IoService (the same index), allocated at start-up.
// Thread-safe to share: the vector never changes after construction; see Session for who may
// touch what inside one.
class SessionPool {
 public:
  // `cut_notice`: see Session. `on_cut(id)`: what to do once `id`'s queue overflowed and was
  // cut (SendQueue::finish_cut()); run on a worker thread, never inline (a pusher may hold a
  // room lock), and for an id that may be gone by then.
  // `framing`: the transport's framing every slot's connections use.
  SessionPool(unsigned capacity, std::size_t max_frame_bytes, std::size_t max_send_queue_bytes,
              const wire::FramedMessage& cut_notice = {},
              std::function<void(net::ConnId)> on_cut = {},
              net::FramingKind framing = net::FramingKind::length_prefix);

  // The session in `id`'s slot. Its chat state belongs to `id` only inside `id`'s own callbacks.
  Session& at(net::ConnId id) { return *slots_[id.index]; }
  Session& slot(unsigned index) { return *slots_[index]; }
  unsigned capacity() const { return static_cast<unsigned>(slots_.size()); }
  // Hands `id`, whose queue was cut, to on_cut on a worker thread of `io`. Any thread.
  void report_cut(net::ConnId id, net::IoService& io);

 private:
  std::vector<std::unique_ptr<Session>> slots_;
  const std::function<void(net::ConnId)> on_cut_;
};

}  // namespace chat::server
