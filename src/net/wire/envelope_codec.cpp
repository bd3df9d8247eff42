#include "envelope_codec.h"

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/unknown_field_set.h>

#include <atomic>
#include <memory>

#include "net/framing.h"
#include "utf8.h"

namespace chat::wire {

net::SharedBytes encode(const Envelope& env, net::FramingKind kind) {
  const std::size_t body_size = env.ByteSizeLong();
  auto frame = std::make_shared<std::string>();
  frame->resize(net::kMaxFrameHeaderBytes + body_size);
  auto* bytes = reinterpret_cast<std::byte*>(frame->data());
  const std::size_t header = net::write_frame_header(kind, body_size, bytes);
  env.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(frame->data() + header));
  frame->resize(header + body_size);
  return frame;
}

FramedMessage::FramedMessage(const Envelope& env) {
  frames_[0] = encode(env, net::FramingKind{0});
  // The other kinds copy the body serialized above behind their own header.
  const std::size_t body_size = env.GetCachedSize();
  const std::string_view body =
      std::string_view(*frames_[0]).substr(frames_[0]->size() - body_size);
  for (std::size_t k = 1; k < net::kFramingKinds; ++k) {
    std::array<std::byte, net::kMaxFrameHeaderBytes> header{};
    const std::size_t n =
        net::write_frame_header(static_cast<net::FramingKind>(k), body_size, header.data());
    auto frame = std::make_shared<std::string>(reinterpret_cast<const char*>(header.data()), n);
    frame->append(body);
    frames_[k] = std::move(frame);
  }
}

namespace {

// The number of the first length-delimited field whose bytes are not UTF-8 (0 if none).
int first_non_utf8_field(const google::protobuf::UnknownFieldSet& fields) {
  for (int i = 0; i < fields.field_count(); ++i) {
    const auto& f = fields.field(i);
    if (f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED &&
        !is_valid_utf8(f.length_delimited())) {
      return f.number();
    }
  }
  return 0;
}

// Tells "a string field is not UTF-8" apart from "not protobuf at all": the schema-less parse
// accepts the former (strings are just bytes to it), and the body message must parse too.
DecodeResult classify_refused(std::span<const std::byte> body) {
  DecodeResult result{DecodeStatus::malformed, 0, Envelope::BODY_NOT_SET};
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return result;
  }
  for (int i = 0; i < fields.field_count(); ++i) {
    const auto& field = fields.field(i);
    if (field.number() == Envelope::kRequestIdFieldNumber &&
        field.type() == google::protobuf::UnknownField::TYPE_VARINT) {
      result.request_id = field.varint();
    } else if (field.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED &&
               Envelope::GetDescriptor()->FindFieldByNumber(field.number()) != nullptr) {
      google::protobuf::UnknownFieldSet inner;
      if (!inner.ParseFromString(field.length_delimited())) {
        return result;
      }
      result.body = static_cast<Envelope::BodyCase>(field.number());
      result.field = first_non_utf8_field(inner);
    }
  }
  result.status = DecodeStatus::invalid_utf8;
  return result;
}

std::atomic<void (*)(std::string_view)> g_log_sink{nullptr};

void forward_protobuf_log(google::protobuf::LogLevel, const char*, int, const std::string& msg) {
  if (auto* sink = g_log_sink.load()) {
    sink(msg);
  }
}

}  // namespace

DecodeResult decode(std::span<const std::byte> body, Envelope& out) {
  if (out.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return {};
  }
  return classify_refused(body);
}

std::string_view body_name(Envelope::BodyCase body) {
  if (body == Envelope::BODY_NOT_SET) {
    return "";
  }
  const auto* field = Envelope::GetDescriptor()->FindFieldByNumber(static_cast<int>(body));
  return field != nullptr ? std::string_view(field->name()) : std::string_view("unknown");
}

void set_protobuf_log_sink(void (*sink)(std::string_view message)) {
  g_log_sink.store(sink);
  google::protobuf::SetLogHandler(&forward_protobuf_log);
}

}  // namespace chat::wire
