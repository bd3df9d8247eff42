// The transport seam on the byte path: a framing cuts bytes into frames and heads outgoing
// bodies; a FramedMessage serializes once and carries a whole frame for every kind.
#include "net/framing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/wire/envelope_codec.h"

namespace chat::net {
namespace {

std::span<const std::byte> bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string header(FramingKind kind, std::size_t body_len) {
  std::byte out[kMaxFrameHeaderBytes];
  const std::size_t n = write_frame_header(kind, body_len, out);
  return std::string(reinterpret_cast<const char*>(out), n);
}

TEST(FramingTest, EveryKindReadsBackWhatItsHeaderFrames) {
  for (std::size_t k = 0; k < kFramingKinds; ++k) {
    const auto kind = static_cast<FramingKind>(k);
    auto framing = make_framing(kind, 1024);
    ASSERT_NE(framing, nullptr);
    EXPECT_EQ(framing->kind(), kind);
    const std::string body(300, 'b');  // a header longer than one byte for the length prefix
    const std::string stream = header(kind, body.size()) + body + header(kind, 2) + "hi";
    std::vector<std::string> frames;
    auto sink = [&](std::span<const std::byte> f) {
      frames.emplace_back(reinterpret_cast<const char*>(f.data()), f.size());
      return true;
    };
    // Split inside the first header and inside the second body.
    EXPECT_EQ(framing->feed(bytes(stream.substr(0, 1)), sink), Framing::Status::ok);
    EXPECT_EQ(framing->buffered(), 1u);
    EXPECT_EQ(framing->feed(bytes(stream.substr(1, stream.size() - 2)), sink), Framing::Status::ok);
    EXPECT_EQ(framing->feed(bytes(stream.substr(stream.size() - 1)), sink), Framing::Status::ok);
    EXPECT_EQ(frames, (std::vector<std::string>{body, "hi"}));
    EXPECT_EQ(framing->buffered(), 0u);
  }
}

TEST(FramingTest, AFrameOverTheLimitIsRefusedAndResetStartsAfresh) {
  auto framing = make_framing(FramingKind::length_prefix, 8);
  std::vector<std::string> frames;
  auto sink = [&](std::span<const std::byte> f) {
    frames.emplace_back(reinterpret_cast<const char*>(f.data()), f.size());
    return true;
  };
  const std::string half = header(FramingKind::length_prefix, 4) + "ab";
  EXPECT_EQ(framing->feed(bytes(half), sink), Framing::Status::ok);
  EXPECT_EQ(framing->buffered(), half.size());
  // A slot given to the next connection must not hand it the last one's half frame.
  framing->reset();
  EXPECT_EQ(framing->buffered(), 0u);
  EXPECT_EQ(framing->feed(bytes(header(FramingKind::length_prefix, 9)), sink),
            Framing::Status::too_large);
  framing->reset();
  EXPECT_EQ(framing->feed(bytes(header(FramingKind::length_prefix, 2) + "ok"), sink),
            Framing::Status::ok);
  EXPECT_EQ(frames, (std::vector<std::string>{"ok"}));
}

TEST(FramedMessageTest, EachKindsFrameIsThatKindsHeaderAndTheOneSerializedBody) {
  proto::Envelope env;
  env.mutable_notice()->set_text(std::string(200, 'n'));
  const std::string body = env.SerializeAsString();
  const wire::FramedMessage message(env);
  for (std::size_t k = 0; k < kFramingKinds; ++k) {
    const auto kind = static_cast<FramingKind>(k);
    ASSERT_NE(message.frame(kind), nullptr);
    EXPECT_EQ(*message.frame(kind), header(kind, body.size()) + body);
    EXPECT_EQ(*message.frame(kind), *wire::encode(env, kind));
  }
  EXPECT_EQ(wire::FramedMessage().frame(FramingKind::length_prefix), nullptr);
}

}  // namespace
}  // namespace chat::net
