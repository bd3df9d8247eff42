// chat_server's first line on stdout, "listening on 127.0.0.1:PORT", read by the tests that
// start the real binary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace chat::testing {

// PORT from that line (a trailing "\r", as Windows programs print, is allowed), or 0 for any
// other line or none.
inline std::uint16_t parse_listening(const std::optional<std::string>& line) {
  const std::string prefix = "listening on 127.0.0.1:";
  if (!line || line->rfind(prefix, 0) != 0) {
    return 0;
  }
  std::string digits = line->substr(prefix.size());
  if (!digits.empty() && digits.back() == '\r') {
    digits.pop_back();
  }
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  const unsigned long port = std::stoul(digits);
  return port <= 65535 ? static_cast<std::uint16_t>(port) : 0;
}

}  // namespace chat::testing
