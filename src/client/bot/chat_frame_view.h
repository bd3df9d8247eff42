// Public header. Reads the fields a bot checks straight out of a ChatMessage frame's bytes.
//
// A bot in a burst receives millions of ChatMessages a second on the same two cores as the
// server it measures. Parsing each into a proto::Envelope costs several allocations (the oneof
// body, its strings); this reads the few fields the checks need as views into the frame and
// allocates nothing. Anything else (another body, an unexpected layout) is left to the full
// parse, so the bot still sees every frame exactly once.
#pragma once

#include <cstdint>
#include <string_view>

#include "net/io_service.h"

namespace chat::bot {

struct ChatFrameView {
  std::string_view from;
  std::string_view text;
  std::uint64_t client_timestamp_us = 0;
  bool history = false;
};

// Reads the ChatMessage an Envelope frame body (the bytes after the length prefix) carries into
// `out`. False when the body is not a ChatMessage or is not well-formed protobuf (parse it in
// full then, to report it); `out` is then unspecified. Strings are not checked for UTF-8.
// Thread-safe; the views point into `body`. (An out-parameter, not an optional: built in place,
// the result costs no stack round trip per frame, which showed in the bot's profile.)
bool view_chat_frame(net::ByteSpan body, ChatFrameView& out);

}  // namespace chat::bot
