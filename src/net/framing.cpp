#include "framing.h"

#include "frame_decoder.h"

namespace chat::net {
namespace {

class LengthPrefixFraming final : public Framing {
 public:
  explicit LengthPrefixFraming(std::size_t max_frame_bytes)
      : max_frame_bytes_(max_frame_bytes), decoder_(max_frame_bytes) {}

  FramingKind kind() const override { return FramingKind::length_prefix; }
  Status feed(std::span<const std::byte> data, FrameSink sink) override {
    return decoder_.feed(data, sink) == FrameDecoder::Status::ok ? Status::ok : Status::too_large;
  }
  std::size_t buffered() const override { return decoder_.buffered(); }
  void reset() override { decoder_ = FrameDecoder(max_frame_bytes_); }

 private:
  const std::size_t max_frame_bytes_;
  FrameDecoder decoder_;
};

}  // namespace

std::size_t write_frame_header(FramingKind kind, std::size_t body_len, std::byte* out) {
  switch (kind) {
    case FramingKind::length_prefix:
      return write_varint32(static_cast<std::uint32_t>(body_len), out);
  }
  return 0;
}

std::unique_ptr<Framing> make_framing(FramingKind kind, std::size_t max_frame_bytes) {
  switch (kind) {
    case FramingKind::length_prefix:
      return std::make_unique<LengthPrefixFraming>(max_frame_bytes);
  }
  return nullptr;
}

}  // namespace chat::net
