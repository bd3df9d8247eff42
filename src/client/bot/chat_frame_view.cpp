#include "chat_frame_view.h"

#include "chat.pb.h"

namespace chat::bot {
namespace {

// A cursor over protobuf wire format: just the varints, lengths and skips a reader needs.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : at_(bytes.data()), end_(at_ + bytes.size()) {}

  bool done() const { return at_ == end_; }

  // A field's tag: its number and wire type.
  bool tag(std::uint32_t& field, std::uint32_t& wire_type) {
    std::uint64_t tag = 0;
    if (!varint(tag)) {
      return false;
    }
    field = static_cast<std::uint32_t>(tag >> 3);
    wire_type = static_cast<std::uint32_t>(tag & 7);
    return true;
  }

  bool varint(std::uint64_t& out) {
    out = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (at_ == end_) {
        return false;
      }
      const auto byte = static_cast<std::uint8_t>(*at_++);
      out |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80u) == 0) {
        return true;
      }
    }
    return false;  // more than 10 bytes
  }

  bool length_delimited(std::string_view& out) {
    std::uint64_t length = 0;
    if (!varint(length) || length > static_cast<std::uint64_t>(end_ - at_)) {
      return false;
    }
    out = std::string_view(at_, static_cast<std::size_t>(length));
    at_ += length;
    return true;
  }

  // Skips a field of `wire_type` (groups are not used by our protocol: refused).
  bool skip(std::uint32_t wire_type) {
    std::uint64_t ignored = 0;
    std::string_view bytes;
    switch (wire_type) {
      case 0:
        return varint(ignored);
      case 1:
        return advance(8);
      case 2:
        return length_delimited(bytes);
      case 5:
        return advance(4);
      default:
        return false;
    }
  }

 private:
  bool advance(std::size_t n) {
    if (static_cast<std::size_t>(end_ - at_) < n) {
      return false;
    }
    at_ += n;
    return true;
  }

  const char* at_;
  const char* end_;
};

constexpr std::uint32_t kVarint = 0;
constexpr std::uint32_t kLengthDelimited = 2;

bool view_chat_message(std::string_view bytes, ChatFrameView& view) {
  view = ChatFrameView{};
  WireReader in(bytes);
  std::uint32_t field = 0;
  std::uint32_t type = 0;
  while (!in.done()) {
    if (!in.tag(field, type)) {
      return false;
    }
    bool read = true;
    std::uint64_t number = 0;
    if (field == proto::ChatMessage::kFromFieldNumber && type == kLengthDelimited) {
      read = in.length_delimited(view.from);
    } else if (field == proto::ChatMessage::kTextFieldNumber && type == kLengthDelimited) {
      read = in.length_delimited(view.text);
    } else if (field == proto::ChatMessage::kClientTimestampUsFieldNumber && type == kVarint) {
      read = in.varint(view.client_timestamp_us);
    } else if (field == proto::ChatMessage::kHistoryFieldNumber && type == kVarint) {
      read = in.varint(number);
      view.history = number != 0;
    } else {
      read = in.skip(type);
    }
    if (!read) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool view_chat_frame(net::ByteSpan body, ChatFrameView& out) {
  WireReader in(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  bool found = false;
  std::uint32_t field = 0;
  std::uint32_t type = 0;
  while (!in.done()) {
    if (!in.tag(field, type)) {
      return false;
    }
    if (field == proto::Envelope::kChatMessageFieldNumber && type == kLengthDelimited) {
      std::string_view message;
      // A repeated oneof field: the last one counts.
      if (!in.length_delimited(message) || !view_chat_message(message, out)) {
        return false;
      }
      found = true;
    } else if (field != proto::Envelope::kRequestIdFieldNumber || !in.skip(type)) {
      return false;  // another body, or a field this reader does not know: parse in full
    }
  }
  return found;
}

}  // namespace chat::bot
