#include "frame_decoder.h"

#include <algorithm>
#include <limits>

namespace chat::net {

std::size_t write_varint32(std::uint32_t length, std::byte* out) {
  std::size_t n = 0;
  while (length >= 0x80) {
    out[n++] = static_cast<std::byte>((length & 0x7F) | 0x80);
    length >>= 7;
  }
  out[n++] = static_cast<std::byte>(length);
  return n;
}

FrameDecoder::Parse FrameDecoder::parse_prefix(std::span<const std::byte> bytes,
                                               std::size_t& prefix_len,
                                               std::size_t& body_len) const {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i >= kMaxVarint32Bytes) {
      return Parse::too_large;  // a sixth byte: the length cannot fit 32 bits
    }
    const auto byte = std::to_integer<std::uint64_t>(bytes[i]);
    value |= (byte & 0x7F) << (7 * i);
    if (value > max_frame_bytes_ || value > std::numeric_limits<std::uint32_t>::max()) {
      return Parse::too_large;  // checked as the prefix grows: no body byte is buffered
    }
    if ((byte & 0x80) == 0) {
      prefix_len = i + 1;
      body_len = static_cast<std::size_t>(value);
      return Parse::complete;
    }
  }
  return Parse::need_more;
}

bool FrameDecoder::complete_partial(std::span<const std::byte>& data, Status& status) {
  while (partial_prefix_len_ == 0) {
    if (data.empty()) {
      return false;
    }
    partial_.push_back(data.front());
    data = data.subspan(1);
    const Parse parse = parse_prefix(partial_, partial_prefix_len_, partial_body_len_);
    if (parse == Parse::too_large) {
      status = Status::too_large;
      return false;
    }
  }
  const std::size_t want = partial_prefix_len_ + partial_body_len_ - partial_.size();
  const std::size_t take = std::min(want, data.size());
  partial_.insert(partial_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
  data = data.subspan(take);
  return take == want;
}

void FrameDecoder::release_partial() {
  partial_prefix_len_ = 0;
  partial_body_len_ = 0;
  partial_.clear();
  // An idle connection should not pin the memory of the largest frame it ever sent.
  if (partial_.capacity() > 4096) {
    partial_.shrink_to_fit();
  }
}

}  // namespace chat::net
