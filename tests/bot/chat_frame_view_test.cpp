#include "client/bot/chat_frame_view.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "chat.pb.h"

namespace chat::bot {
namespace {

net::ByteSpan span_of(const std::string& bytes) {
  return {reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()};
}

std::optional<ChatFrameView> view_of(const std::string& body) {
  ChatFrameView out;
  if (!view_chat_frame(span_of(body), out)) {
    return std::nullopt;
  }
  return out;
}

proto::Envelope chat_envelope() {
  proto::Envelope env;
  auto* m = env.mutable_chat_message();
  m->set_room("lobby");
  m->set_from("bot17");
  m->set_text("42:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  m->set_server_time_ms(1'800'000'000'000);
  m->set_seq(99);
  m->set_whisper(false);
  m->set_server_msg_id(123456789);
  m->set_client_timestamp_us(987'654'321'012);
  m->set_to("");
  return env;
}

TEST(ChatFrameViewTest, ReadsWhatTheFullParseReads) {
  proto::Envelope env = chat_envelope();
  for (const bool history : {false, true}) {
    env.mutable_chat_message()->set_history(history);
    const std::string body = env.SerializeAsString();
    const auto view = view_of(body);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->from, env.chat_message().from());
    EXPECT_EQ(view->text, env.chat_message().text());
    EXPECT_EQ(view->client_timestamp_us, env.chat_message().client_timestamp_us());
    EXPECT_EQ(view->history, history);
  }
}

// The Envelope's chat_message field (51, length-delimited) around `message`, by hand.
std::string chat_body(const std::string& message) {
  std::string body = "\x9a\x03";  // the tag: (51 << 3) | 2 as a varint
  std::size_t length = message.size();
  for (; length >= 0x80; length >>= 7) {
    body += static_cast<char>((length & 0x7f) | 0x80);
  }
  body += static_cast<char>(length);
  return body + message;
}

TEST(ChatFrameViewTest, SkipsFieldsItDoesNotKnowInsideTheMessage) {
  // A newer server's field 15 of each wire type inside the ChatMessage: skipped, not refused.
  std::string extra;
  extra += static_cast<char>((15 << 3) | 0);  // varint
  extra += "\x96\x01";
  extra += static_cast<char>((15 << 3) | 1);  // 64-bit
  extra += std::string(8, '\x01');
  extra += static_cast<char>((15 << 3) | 5);  // 32-bit
  extra += std::string(4, '\x02');
  extra += static_cast<char>((15 << 3) | 2);  // bytes
  extra +=
      "\x03"
      "abc";
  const std::string body = chat_body(extra + chat_envelope().chat_message().SerializeAsString());
  proto::Envelope parsed;
  ASSERT_TRUE(parsed.ParseFromString(body)) << "the test's bytes are valid protobuf";
  ASSERT_TRUE(parsed.has_chat_message());
  const auto view = view_of(body);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->from, parsed.chat_message().from());
  EXPECT_EQ(view->text, parsed.chat_message().text());
  EXPECT_EQ(view->client_timestamp_us, 987'654'321'012u);
}

TEST(ChatFrameViewTest, OtherBodiesAreLeftToTheFullParse) {
  proto::Envelope ack;
  ack.set_request_id(3);
  ack.mutable_ack()->set_client_msg_id(3);
  EXPECT_FALSE(view_of(ack.SerializeAsString()).has_value());

  proto::Envelope empty;
  EXPECT_FALSE(view_of(empty.SerializeAsString()).has_value());

  // A ChatMessage followed by another body: the oneof keeps the last, so the full parse decides.
  const std::string both = chat_envelope().SerializeAsString() + ack.SerializeAsString();
  EXPECT_FALSE(view_of(both).has_value());
}

TEST(ChatFrameViewTest, EveryTruncationIsRefused) {
  const std::string body = chat_envelope().SerializeAsString();
  for (std::size_t size = 0; size < body.size(); ++size) {
    EXPECT_FALSE(view_of(body.substr(0, size)).has_value()) << size;
  }
}

TEST(ChatFrameViewTest, MalformedBytesAreRefused) {
  // A varint that never ends, a group (wire type 3), and a length past the end.
  for (const std::string& bad :
       {std::string(12, '\xff'), std::string("\x9b\x03", 2), std::string("\x9a\x03\x7f", 3)}) {
    EXPECT_FALSE(view_of(bad).has_value());
  }
}

}  // namespace
}  // namespace chat::bot
