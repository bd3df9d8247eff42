// Public header. Envelope <-> frame bytes. The only place protobuf meets the byte stream.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "chat.pb.h"
#include "net/framing.h"
#include "net/io_service.h"
#include "net/send_queue.h"

namespace chat::wire {

using proto::Envelope;

// Serializes `env` as one frame of `kind` (by default the length prefix: varint body length,
// then the body). Thread-safe (pure).
net::SharedBytes encode(const Envelope& env,
                        net::FramingKind kind = net::FramingKind::length_prefix);

// An Envelope serialized once and framed for every transport's FramingKind: what a broadcast's
// recipients share, whichever transport each came by (the body is serialized once; each kind
// adds its own header). Immutable after construction: thread-safe to share and to read.
class FramedMessage {
 public:
  FramedMessage() = default;  // no frames: nothing to send
  explicit FramedMessage(const Envelope& env);

  // The whole frame for a connection whose framing is `kind`.
  const net::SharedBytes& frame(net::FramingKind kind) const {
    return frames_[static_cast<std::size_t>(kind)];
  }

 private:
  std::array<net::SharedBytes, net::kFramingKinds> frames_;
};

enum class DecodeStatus {
  ok,
  invalid_utf8,  // wire-valid, but a string field is not UTF-8 (proto3 refuses to parse it)
  malformed,     // not a protobuf message at all
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::ok;
  // For invalid_utf8: what could be read of the refused request, so the error can name it:
  // its request_id, its body, and the number of the body's first string field that is not UTF-8.
  std::uint64_t request_id = 0;
  Envelope::BodyCase body = Envelope::BODY_NOT_SET;
  int field = 0;
};

// Parses one frame body into `out`. Thread-safe (pure).
DecodeResult decode(std::span<const std::byte> body, Envelope& out);

// "broadcast", "join_room"...: the oneof field name, as in docs/protocol.md. Thread-safe.
std::string_view body_name(Envelope::BodyCase body);

// Routes protobuf's own log lines (it logs every invalid UTF-8 string it refuses) to a callback
// instead of stderr, so a hostile client cannot flood the console. Call once at start-up.
void set_protobuf_log_sink(void (*sink)(std::string_view message));

}  // namespace chat::wire
