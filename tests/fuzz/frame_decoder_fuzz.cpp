// libFuzzer target: the frame decoder and the Envelope codec, the first code to touch bytes from
// the network. The first input byte picks how the rest is cut into receives; the stream must
// decode to the same frames however it is cut, and every Envelope that decodes must survive an
// encode/decode round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/frame_decoder.h"
#include "net/wire/envelope_codec.h"

namespace {

constexpr std::size_t kMaxFrame = 4096;

struct Outcome {
  std::vector<std::string> bodies;
  chat::net::FrameDecoder::Status status = chat::net::FrameDecoder::Status::ok;
  std::size_t buffered = 0;
  bool operator==(const Outcome&) const = default;
};

// Feeds `stream` in receives of `chunk` bytes (0: all at once).
Outcome decode_stream(const std::uint8_t* stream, std::size_t size, std::size_t chunk) {
  chat::net::FrameDecoder decoder(kMaxFrame);
  Outcome out;
  std::size_t pos = 0;
  while (pos < size && out.status == chat::net::FrameDecoder::Status::ok) {
    const std::size_t n = chunk == 0 ? size : std::min(chunk, size - pos);
    out.status = decoder.feed(std::span(reinterpret_cast<const std::byte*>(stream + pos), n),
                              [&](chat::net::ByteSpan body) {
                                if (body.size() > kMaxFrame) {
                                  std::abort();  // the limit let a bigger frame through
                                }
                                out.bodies.emplace_back(reinterpret_cast<const char*>(body.data()),
                                                        body.size());
                                return true;
                              });
    pos += n;
  }
  out.buffered = out.status == chat::net::FrameDecoder::Status::ok ? decoder.buffered() : 0;
  return out;
}

void check_round_trip(const std::string& body) {
  chat::proto::Envelope first;
  const auto span = std::span(reinterpret_cast<const std::byte*>(body.data()), body.size());
  if (chat::wire::decode(span, first).status != chat::wire::DecodeStatus::ok) {
    return;  // refused input: nothing more to hold it to
  }
  const chat::net::SharedBytes frame = chat::wire::encode(first);
  chat::net::FrameDecoder decoder(frame->size());
  std::vector<std::string> bodies;
  decoder.feed(std::span(reinterpret_cast<const std::byte*>(frame->data()), frame->size()),
               [&](chat::net::ByteSpan b) {
                 bodies.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
                 return true;
               });
  chat::proto::Envelope second;
  if (bodies.size() != 1 ||
      chat::wire::decode(
          std::span(reinterpret_cast<const std::byte*>(bodies[0].data()), bodies[0].size()), second)
              .status != chat::wire::DecodeStatus::ok ||
      second.SerializeAsString() != first.SerializeAsString()) {
    std::abort();  // what we encode, we must read back as it was
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    chat::wire::set_protobuf_log_sink([](std::string_view) {});  // refusals are expected here
    return true;
  }();
  (void)quiet;
  if (size == 0) {
    return 0;
  }
  const std::size_t chunk = data[0] % 17;  // 1..16-byte receives, or 0: one receive
  const Outcome whole = decode_stream(data + 1, size - 1, 0);
  if (decode_stream(data + 1, size - 1, chunk == 0 ? 1 : chunk) != whole) {
    std::abort();  // the frames depend on how the stream was cut
  }
  for (const std::string& body : whole.bodies) {
    check_round_trip(body);
  }
  return 0;
}
