#include "line_style.h"

namespace chat::client {
namespace {

bool digits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// `line` without the time message_time() put in front: "14:05 " or "2026-12-06 14:05 ".
std::string_view without_time(std::string_view line) {
  if (line.size() > 11 && digits(line.substr(0, 4)) && line[4] == '-' && line[7] == '-' &&
      line[10] == ' ') {
    line.remove_prefix(11);
  }
  if (line.size() > 6 && digits(line.substr(0, 2)) && line[2] == ':' && digits(line.substr(3, 2)) &&
      line[5] == ' ') {
    line.remove_prefix(6);
  }
  return line;
}

}  // namespace

std::string line_style(std::string_view line, std::string_view own_nickname) {
  line = without_time(line);
  if (line.starts_with("! ")) {
    return "\x1b[31m";
  }
  if (line.starts_with("* ")) {
    return "\x1b[36m";
  }
  if (line.starts_with("[whisper ")) {
    return "\x1b[35m";
  }
  // "[ROOM] <NICK> ...": room names have no spaces, so the first "] " ends the room.
  if (line.starts_with("[") && !own_nickname.empty()) {
    const std::size_t end = line.find("] ");
    const std::string mine = "<" + std::string(own_nickname) + "> ";
    if (end != std::string_view::npos && line.substr(end + 2).starts_with(mine)) {
      return "\x1b[32m";
    }
  }
  return {};
}

}  // namespace chat::client
