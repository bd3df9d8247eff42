#include "endpoint.h"

#include <charconv>

namespace chat::net {

bool Endpoint::is_ipv6() const {
  return host.find(':') != std::string::npos;
}

std::string Endpoint::to_string() const {
  std::string out = is_ipv6() ? "[" + host + "]" : host;
  out += ':';
  out += std::to_string(port);
  return out;
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 address needs brackets when a port follows
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    return std::nullopt;
  }
  return Endpoint{host.empty() ? std::string("127.0.0.1") : std::string(host),
                  static_cast<std::uint16_t>(port)};
}

}  // namespace chat::net
