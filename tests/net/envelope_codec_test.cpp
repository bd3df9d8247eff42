#include "net/wire/envelope_codec.h"

#include <gtest/gtest.h>

#include "net/frame_decoder.h"

namespace chat::wire {
namespace {

std::span<const std::byte> body_of(const std::string& frame, std::size_t& prefix) {
  prefix = 0;
  while (static_cast<unsigned char>(frame[prefix]) & 0x80) {
    ++prefix;
  }
  ++prefix;
  return {reinterpret_cast<const std::byte*>(frame.data()) + prefix, frame.size() - prefix};
}

TEST(EnvelopeCodecTest, RoundTripsEveryField) {
  Envelope in;
  in.set_request_id(99);
  auto* m = in.mutable_chat_message();
  m->set_room("lobby");
  m->set_from("alice");
  m->set_text("h\xc3\xa9llo");
  m->set_seq(12);
  m->set_server_msg_id(5);
  const net::SharedBytes frame = encode(in);
  std::size_t prefix = 0;
  const auto body = body_of(*frame, prefix);
  EXPECT_EQ(body.size(), in.ByteSizeLong());
  Envelope out;
  EXPECT_EQ(decode(body, out).status, DecodeStatus::ok);
  EXPECT_EQ(out.SerializeAsString(), in.SerializeAsString());
}

TEST(EnvelopeCodecTest, FramingMatchesProtobufDelimitedFormat) {
  Envelope ping;
  ping.mutable_ping()->set_nonce(1);
  // request_id unset; body: field 18 (ping), length 2, {field 1 varint 1} = 92 01 02 08 01
  EXPECT_EQ(*encode(ping), std::string("\x05\x92\x01\x02\x08\x01", 6));
}

TEST(EnvelopeCodecTest, GarbageIsMalformed) {
  const std::string junk = "\xff\xff\xff\xff";
  Envelope out;
  EXPECT_EQ(decode({reinterpret_cast<const std::byte*>(junk.data()), junk.size()}, out).status,
            DecodeStatus::malformed);
}

TEST(EnvelopeCodecTest, InvalidUtf8IsToldApartFromGarbage) {
  // request_id 7, broadcast {room: "lobby", text: "\xc3\x28"}
  const std::string inner = std::string("\x0a\x05lobby\x12\x02\xc3\x28", 11);
  const std::string body = std::string("\x08\x07\x6a", 3) + char(inner.size()) + inner;
  Envelope out;
  const DecodeResult r =
      decode({reinterpret_cast<const std::byte*>(body.data()), body.size()}, out);
  EXPECT_EQ(r.status, DecodeStatus::invalid_utf8);
  EXPECT_EQ(r.request_id, 7u);
  EXPECT_EQ(r.body, Envelope::kBroadcast);
  EXPECT_EQ(r.field, proto::Broadcast::kTextFieldNumber);
}

TEST(EnvelopeCodecTest, BodyNamesMatchTheProtoFieldNames) {
  EXPECT_EQ(body_name(Envelope::kBroadcast), "broadcast");
  EXPECT_EQ(body_name(Envelope::kUserListRequest), "user_list_request");
  EXPECT_EQ(body_name(Envelope::BODY_NOT_SET), "");
}

}  // namespace
}  // namespace chat::wire
