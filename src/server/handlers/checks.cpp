#include <algorithm>

#include <fmt/format.h>

#include "../validation.h"
#include "handlers.h"

namespace chat::server {

bool check_name_or_reject(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                          std::string_view name, std::size_t max_bytes, proto::ErrorCode code,
                          std::string_view what) {
  switch (check_name(name, max_bytes)) {
    case NameCheck::ok:
      return true;
    case NameCheck::empty:
      core.send_error(id, s, req, code, fmt::format("{} is empty", what));
      return false;
    case NameCheck::too_long:
      core.send_error(id, s, req, code, fmt::format("{} is over {} bytes", what, max_bytes));
      return false;
    case NameCheck::invalid_utf8:
      core.send_error(id, s, req, code, fmt::format("{} is not valid UTF-8", what));
      return false;
    case NameCheck::bad_character:
      core.send_error(id, s, req, code,
                      fmt::format("{} contains whitespace or control characters", what));
      return false;
  }
  return false;
}

bool check_room_name(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                     std::string_view room) {
  return check_name_or_reject(core, id, s, req, room, core.config.max_room_name_bytes,
                              proto::ROOM_NAME_INVALID, "room name");
}

bool check_text_or_reject(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                          std::string_view text) {
  if (text.empty()) {
    core.send_error(id, s, req, proto::TEXT_EMPTY, "text is empty");
    return false;
  }
  if (text.size() > core.config.max_text_bytes) {
    core.send_error(id, s, req, proto::TEXT_TOO_LONG,
                    fmt::format("text is over {} bytes", core.config.max_text_bytes));
    return false;
  }
  if (!is_valid_utf8(text)) {
    core.send_error(id, s, req, proto::TEXT_INVALID, "text is not valid UTF-8");
    return false;
  }
  return true;
}

bool refuse_muted(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const auto mute = core.mutes.muted(s.nickname);
  if (!mute) {
    return false;
  }
  core.send_error(id, s, req, proto::MUTED,
                  describe_restriction("muted", mute->by, mute->until_ms, mute->reason));
  return true;
}

std::vector<std::string>::iterator find_joined(Session& s, std::string_view room) {
  const std::string key = fold_name(room);
  return std::find_if(s.rooms.begin(), s.rooms.end(),
                      [&](const std::string& r) { return fold_name(r) == key; });
}

std::vector<std::string>::iterator find_joined_or_reject(ServerCore& core, net::ConnId id,
                                                         Session& s, const Envelope& req,
                                                         std::string_view room) {
  const auto joined = find_joined(s, room);
  if (joined == s.rooms.end()) {
    core.send_error(id, s, req, proto::NOT_IN_ROOM, fmt::format("not in room '{}'", room));
  }
  return joined;
}

}  // namespace chat::server
