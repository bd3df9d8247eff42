// Public header. The transport seam on the byte path: how one kind of connection cuts its byte
// stream into frames and what header it puts before each outgoing frame body. A length prefix
// today (frame_decoder.h); a WebSocket framing adds a kind and one implementation, and a TLS
// filter sits below it (between the completions and feed(), STYLE.md 4.2), neither touching
// the backends nor the chat logic.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>

namespace chat::net {

// Every framing this build speaks; an outgoing message is framed once per kind (see
// wire::FramedMessage), so this list stays short.
enum class FramingKind : std::uint8_t {
  length_prefix,  // a protobuf varint of the body's length, then the body (docs/protocol.md)
};
inline constexpr std::size_t kFramingKinds = 1;
// The longest header any kind puts before a body.
inline constexpr std::size_t kMaxFrameHeaderBytes = 5;

// Writes the header `kind` puts before a body of `body_len` bytes into `out` (room for
// kMaxFrameHeaderBytes); returns its length. Thread-safe (pure).
std::size_t write_frame_header(FramingKind kind, std::size_t body_len, std::byte* out);

// A non-owning reference to a (non-const) callable `bool(std::span<const std::byte>)`: a frame
// sink that costs no allocation per received chunk. Valid while the callable it was made from
// lives, so a Framing uses it only inside feed() and never keeps it.
class FrameSink {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FrameSink>>>
  FrameSink(F& f)  // NOLINT(google-explicit-constructor): made at each feed() call site
      : object_(&f), call_([](void* o, std::span<const std::byte> body) {
          return (*static_cast<F*>(o))(body);
        }) {}
  bool operator()(std::span<const std::byte> body) const { return call_(object_, body); }

 private:
  void* object_;
  bool (*call_)(void*, std::span<const std::byte>);
};

// One connection's inbound framing. Not thread-safe: used by whoever owns the connection's
// receive (its recv callbacks, one at a time).
class Framing {
 public:
  enum class Status {
    ok,         // every complete frame was delivered; any partial one is buffered
    too_large,  // a frame is over the limit: the framing is unusable, close the connection
  };
  virtual ~Framing() = default;

  // What outgoing frames for this connection look like (wire::FramedMessage::frame).
  virtual FramingKind kind() const = 0;
  // Feeds received bytes and calls `sink(body)` for each complete frame body, in order; the
  // body is valid only during the call. `sink` returns false to stop early (the rest of `data`
  // is dropped).
  virtual Status feed(std::span<const std::byte> data, FrameSink sink) = 0;
  // Bytes held for an incomplete frame.
  virtual std::size_t buffered() const = 0;
  // Back to the state of a new connection (a slot given to the next one).
  virtual void reset() = 0;
};

// The framing of `kind`, refusing frames over `max_frame_bytes`. Thread-safe.
std::unique_ptr<Framing> make_framing(FramingKind kind, std::size_t max_frame_bytes);

}  // namespace chat::net
