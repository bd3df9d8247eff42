#include "net/frame_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chat::net {
namespace {

std::string frame(const std::string& body) {
  std::byte prefix[kMaxVarint32Bytes];
  const std::size_t n = write_varint32(static_cast<std::uint32_t>(body.size()), prefix);
  return std::string(reinterpret_cast<const char*>(prefix), n) + body;
}

std::span<const std::byte> bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

struct Collector {
  std::vector<std::string> frames;
  FrameDecoder::Status feed(FrameDecoder& d, const std::string& data) {
    return d.feed(bytes(data), [&](std::span<const std::byte> body) {
      frames.emplace_back(reinterpret_cast<const char*>(body.data()), body.size());
      return true;
    });
  }
};

TEST(FrameDecoderTest, VarintMatchesProtobufEncoding) {
  std::byte out[kMaxVarint32Bytes];
  EXPECT_EQ(write_varint32(0, out), 1u);
  EXPECT_EQ(out[0], std::byte{0});
  EXPECT_EQ(write_varint32(300, out), 2u);  // the protobuf docs' example: AC 02
  EXPECT_EQ(out[0], std::byte{0xAC});
  EXPECT_EQ(out[1], std::byte{0x02});
  EXPECT_EQ(write_varint32(0xFFFFFFFFu, out), 5u);
}

TEST(FrameDecoderTest, CoalescedFramesComeOutInOrder) {
  FrameDecoder d(1024);
  Collector c;
  EXPECT_EQ(c.feed(d, frame("one") + frame("two") + frame("three")), FrameDecoder::Status::ok);
  EXPECT_EQ(c.frames, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameDecoderTest, EveryPossibleSplitGivesTheSameFrames) {
  const std::string body300(300, 'b');  // a 2-byte prefix, so splits fall inside it too
  const std::string stream = frame("a") + frame(body300) + frame("") + frame("zz");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    FrameDecoder d(1024);
    Collector c;
    ASSERT_EQ(c.feed(d, stream.substr(0, cut)), FrameDecoder::Status::ok);
    ASSERT_EQ(c.feed(d, stream.substr(cut)), FrameDecoder::Status::ok);
    ASSERT_EQ(c.frames, (std::vector<std::string>{"a", body300, "", "zz"})) << "cut " << cut;
  }
}

TEST(FrameDecoderTest, ByteAtATime) {
  const std::string stream = frame(std::string(200, 'x')) + frame("y");
  FrameDecoder d(1024);
  Collector c;
  for (char ch : stream) {
    ASSERT_EQ(c.feed(d, std::string(1, ch)), FrameDecoder::Status::ok);
  }
  EXPECT_EQ(c.frames, (std::vector<std::string>{std::string(200, 'x'), "y"}));
}

TEST(FrameDecoderTest, PartialFrameIsBufferedUntilComplete) {
  FrameDecoder d(1024);
  Collector c;
  const std::string f = frame("hello");
  EXPECT_EQ(c.feed(d, f.substr(0, 3)), FrameDecoder::Status::ok);
  EXPECT_TRUE(c.frames.empty());
  EXPECT_EQ(d.buffered(), 3u);
  EXPECT_EQ(c.feed(d, f.substr(3)), FrameDecoder::Status::ok);
  EXPECT_EQ(c.frames, std::vector<std::string>{"hello"});
}

TEST(FrameDecoderTest, MaximumIsAcceptedAndOneMoreIsRefusedBeforeBuffering) {
  FrameDecoder ok(100);
  Collector c;
  EXPECT_EQ(c.feed(ok, frame(std::string(100, 'm'))), FrameDecoder::Status::ok);
  ASSERT_EQ(c.frames.size(), 1u);

  FrameDecoder over(100);
  const std::string f = frame(std::string(101, 'm'));
  EXPECT_EQ(c.feed(over, f.substr(0, 1)), FrameDecoder::Status::too_large);  // prefix alone
  EXPECT_EQ(over.buffered(), 0u);
}

TEST(FrameDecoderTest, HugeOrEndlessPrefixIsTooLarge) {
  FrameDecoder d(1 << 20);
  Collector c;
  EXPECT_EQ(c.feed(d, std::string("\xff\xff\xff\xff\x7f", 5)), FrameDecoder::Status::too_large);
  FrameDecoder endless(std::size_t{1} << 40);
  EXPECT_EQ(c.feed(endless, std::string(6, '\x80')), FrameDecoder::Status::too_large);
  EXPECT_TRUE(c.frames.empty());
}

TEST(FrameDecoderTest, CallbackCanStopEarly) {
  FrameDecoder d(1024);
  int seen = 0;
  const std::string data = frame("1") + frame("2") + frame("3");
  d.feed(bytes(data), [&](std::span<const std::byte>) { return ++seen < 2; });
  EXPECT_EQ(seen, 2);
}

TEST(FrameDecoderTest, GarbageIsJustBytes) {
  // The framing layer cannot tell garbage from a body; it must only never over-read or crash.
  FrameDecoder d(64);
  Collector c;
  std::string garbage;
  for (int i = 0; i < 1000; ++i) {
    garbage += static_cast<char>((i * 37) % 64);
  }
  EXPECT_EQ(c.feed(d, garbage), FrameDecoder::Status::ok);
  std::size_t total = 0;
  for (const auto& f : c.frames) {
    total += f.size() + 1;
  }
  EXPECT_EQ(total + d.buffered(), garbage.size());
}

}  // namespace
}  // namespace chat::net
