#include "address_limits.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>

#include <fmt/format.h>

namespace chat::server {
namespace {

// Parses dotted-quad IPv4 ("192.0.2.1") into its four bytes.
std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text) {
  std::array<std::uint8_t, 4> bytes{};
  for (std::size_t i = 0; i < 4; ++i) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end == text.data() || value > 255) {
      return std::nullopt;
    }
    bytes[i] = static_cast<std::uint8_t>(value);
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    if (i < 3) {
      if (text.empty() || text.front() != '.') {
        return std::nullopt;
      }
      text.remove_prefix(1);
    }
  }
  if (!text.empty()) {
    return std::nullopt;
  }
  return bytes;
}

// Parses textual IPv6 (RFC 4291 section 2.2: "::" compression, a trailing dotted IPv4, an
// optional "%zone", which is dropped) into its eight 16-bit groups.
std::optional<std::array<std::uint16_t, 8>> parse_ipv6(std::string_view text) {
  if (const auto zone = text.find('%'); zone != std::string_view::npos) {
    text = text.substr(0, zone);
  }
  std::array<std::uint16_t, 8> head{};
  std::array<std::uint16_t, 8> tail{};
  std::size_t n_head = 0;
  std::size_t n_tail = 0;
  bool compressed = false;
  if (text.substr(0, 2) == "::") {
    compressed = true;
    text.remove_prefix(2);
  }
  while (!text.empty()) {
    auto& groups = compressed ? tail : head;
    std::size_t& n = compressed ? n_tail : n_head;
    const std::size_t colon = text.find(':');
    const std::string_view part = text.substr(0, colon);
    if (part.find('.') != std::string_view::npos) {  // the dotted IPv4 tail
      const auto v4 = parse_ipv4(part);
      if (!v4 || colon != std::string_view::npos || n + 2 > 8) {
        return std::nullopt;
      }
      groups[n++] = static_cast<std::uint16_t>((*v4)[0] << 8 | (*v4)[1]);
      groups[n++] = static_cast<std::uint16_t>((*v4)[2] << 8 | (*v4)[3]);
      text = {};
      break;
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value, 16);
    if (ec != std::errc{} || end != part.data() + part.size() || part.empty() || part.size() > 4 ||
        n >= 8) {
      return std::nullopt;
    }
    groups[n++] = static_cast<std::uint16_t>(value);
    if (colon == std::string_view::npos) {
      text = {};
    } else if (text.substr(colon, 2) == "::") {
      if (compressed) {
        return std::nullopt;  // a second "::"
      }
      compressed = true;
      text.remove_prefix(colon + 2);
    } else {
      text.remove_prefix(colon + 1);
      if (text.empty()) {
        return std::nullopt;  // a trailing single ':'
      }
    }
  }
  if (compressed ? n_head + n_tail > 7 : n_head != 8) {
    return std::nullopt;
  }
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < n_head; ++i) {
    groups[i] = head[i];
  }
  for (std::size_t i = 0; i < n_tail; ++i) {
    groups[8 - n_tail + i] = tail[i];
  }
  return groups;
}

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as its IPv4 address.
std::optional<std::array<std::uint8_t, 4>> mapped_ipv4(const std::array<std::uint16_t, 8>& g) {
  for (std::size_t i = 0; i < 5; ++i) {
    if (g[i] != 0) {
      return std::nullopt;
    }
  }
  if (g[5] != 0xffff) {
    return std::nullopt;
  }
  return std::array<std::uint8_t, 4>{
      static_cast<std::uint8_t>(g[6] >> 8), static_cast<std::uint8_t>(g[6] & 0xff),
      static_cast<std::uint8_t>(g[7] >> 8), static_cast<std::uint8_t>(g[7] & 0xff)};
}

std::string ipv4_key(const std::array<std::uint8_t, 4>& b) {
  return fmt::format("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
}

}  // namespace

std::string address_key(std::string_view host) {
  if (const auto v4 = parse_ipv4(host)) {
    return ipv4_key(*v4);
  }
  const auto v6 = parse_ipv6(host);
  if (!v6) {
    return {};
  }
  if (const auto v4 = mapped_ipv4(*v6)) {
    return ipv4_key(*v4);
  }
  const auto& g = *v6;
  return fmt::format("{:x}:{:x}:{:x}:{:x}::/64", g[0], g[1], g[2], g[3]);
}

bool is_loopback(std::string_view host) {
  if (const auto v4 = parse_ipv4(host)) {
    return (*v4)[0] == 127;
  }
  const auto v6 = parse_ipv6(host);
  if (!v6) {
    return false;
  }
  if (const auto v4 = mapped_ipv4(*v6)) {
    return (*v4)[0] == 127;
  }
  return *v6 == std::array<std::uint16_t, 8>{0, 0, 0, 0, 0, 0, 0, 1};
}

AddressLimits::AddressLimits(unsigned max_concurrent, unsigned connects_per_s)
    : max_concurrent_(max_concurrent), connects_per_s_(connects_per_s) {}

AddressLimits::Verdict AddressLimits::admit(const std::string& key, Clock::time_point now) {
  if (key.empty()) {
    return Verdict::admitted;
  }
  std::lock_guard lock(mutex_);
  if (max_concurrent_ == 0 && connects_per_s_ == 0) {
    return Verdict::admitted;
  }
  auto [it, inserted] =
      by_key_.try_emplace(key, Entry{0, TokenBucket(connects_per_s_, connects_per_s_), now});
  Entry& e = it->second;
  if (inserted) {
    e.connects.reset(now);
  }
  if (max_concurrent_ != 0 && e.connections >= max_concurrent_) {
    return Verdict::too_many_connections;
  }
  if (!e.connects.take(now)) {
    return Verdict::connecting_too_fast;
  }
  ++e.connections;
  e.last_connect = now;
  return Verdict::admitted;
}

void AddressLimits::set_limits(unsigned max_concurrent, unsigned connects_per_s,
                               Clock::time_point now) {
  std::lock_guard lock(mutex_);
  max_concurrent_ = max_concurrent;
  if (connects_per_s == connects_per_s_) {
    return;  // a reload that left the rate alone leaves every address's budget as it was
  }
  connects_per_s_ = connects_per_s;
  for (auto& [key, entry] : by_key_) {
    entry.connects.set_rate(connects_per_s, connects_per_s, now);
  }
}

std::pair<unsigned, unsigned> AddressLimits::limits() const {
  std::lock_guard lock(mutex_);
  return {max_concurrent_, connects_per_s_};
}

void AddressLimits::release(const std::string& key) {
  if (key.empty()) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (auto it = by_key_.find(key); it != by_key_.end() && it->second.connections > 0) {
    --it->second.connections;
  }
}

void AddressLimits::prune(Clock::time_point now) {
  // A whole second after its last connect, an address's connect bucket is full again (it refills
  // connects_per_s a second and holds as many): forgetting it then changes nothing.
  const auto refilled = std::chrono::seconds(1);
  std::lock_guard lock(mutex_);
  std::erase_if(by_key_, [&](const auto& item) {
    return item.second.connections == 0 && now - item.second.last_connect >= refilled;
  });
}

std::size_t AddressLimits::tracked() const {
  std::lock_guard lock(mutex_);
  return by_key_.size();
}

}  // namespace chat::server
