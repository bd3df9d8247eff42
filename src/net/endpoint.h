// Public header. A numeric host and port, as text; the backends turn it into a sockaddr.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat::net {

struct Endpoint {
  std::string host;  // numeric IPv4 ("127.0.0.1"), numeric IPv6 ("::1") or "localhost"
  std::uint16_t port = 0;

  // "127.0.0.1:8080", "[::1]:8080". Thread-safe (pure).
  std::string to_string() const;
  bool is_ipv6() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Parses "host:port", "[v6]:port" or ":port" (host defaults to 127.0.0.1). Thread-safe (pure).
std::optional<Endpoint> parse_endpoint(std::string_view text);

}  // namespace chat::net
