// Public header. Splits a byte stream into length-prefixed frames (varint length, then body).
// Knows nothing of protobuf or sockets, so it is tested on plain byte buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace chat::net {

// Writes `length` as a protobuf base-128 varint into `out` (at most 5 bytes for 32-bit lengths);
// returns the number of bytes written. Thread-safe (pure).
std::size_t write_varint32(std::uint32_t length, std::byte* out);
inline constexpr std::size_t kMaxVarint32Bytes = 5;

// Not thread-safe: one decoder per connection, used by whoever owns that connection's receive.
class FrameDecoder {
 public:
  enum class Status {
    ok,         // every complete frame was delivered; any partial one is buffered
    too_large,  // a length prefix exceeds max_frame_bytes (or does not fit 32 bits)
  };

  explicit FrameDecoder(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  // Feeds received bytes and calls `on_frame(std::span<const std::byte> body)` for each complete
  // frame, in order. A body spans either `data` itself (no copy) or the decoder's own buffer, and
  // is valid only during the call. Stops and returns too_large before buffering any of an
  // oversized body; the decoder is then unusable. `on_frame` returns false to stop early (the
  // rest of `data` is dropped).
  template <typename OnFrame>
  Status feed(std::span<const std::byte> data, OnFrame&& on_frame);

  // Bytes held for an incomplete frame.
  std::size_t buffered() const { return partial_.size(); }

 private:
  enum class Parse { complete, need_more, too_large };
  // Reads a length prefix at the front of `bytes`.
  Parse parse_prefix(std::span<const std::byte> bytes, std::size_t& prefix_len,
                     std::size_t& body_len) const;
  // Moves bytes from `data` into partial_ until it holds one whole frame; returns false if data
  // ran out first. Sets `status` on an oversized prefix.
  bool complete_partial(std::span<const std::byte>& data, Status& status);
  void release_partial();

  std::size_t max_frame_bytes_;
  std::vector<std::byte> partial_;
  std::size_t partial_prefix_len_ = 0;  // 0 until partial_ holds a complete prefix
  std::size_t partial_body_len_ = 0;
};

template <typename OnFrame>
FrameDecoder::Status FrameDecoder::feed(std::span<const std::byte> data, OnFrame&& on_frame) {
  Status status = Status::ok;
  if (!partial_.empty()) {
    if (!complete_partial(data, status)) {
      return status;
    }
    const bool go_on = on_frame(std::span<const std::byte>(partial_).subspan(partial_prefix_len_));
    release_partial();
    if (!go_on) {
      return Status::ok;
    }
  }
  while (!data.empty()) {
    std::size_t prefix_len = 0;
    std::size_t body_len = 0;
    const Parse parse = parse_prefix(data, prefix_len, body_len);
    if (parse == Parse::too_large) {
      return Status::too_large;
    }
    if (parse == Parse::need_more || data.size() < prefix_len + body_len) {
      partial_.assign(data.begin(), data.end());  // at most one frame plus its prefix
      if (parse == Parse::complete) {
        partial_prefix_len_ = prefix_len;
        partial_body_len_ = body_len;
      }
      return Status::ok;
    }
    if (!on_frame(data.subspan(prefix_len, body_len))) {
      return Status::ok;
    }
    data = data.subspan(prefix_len + body_len);
  }
  return status;
}

}  // namespace chat::net
