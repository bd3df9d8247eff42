// Public header. A connection's address: slot index plus generation.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include <fmt/format.h>

namespace chat::net {

// Identifies one connection for its whole life. The index names a slot in a preallocated
// table; the generation is bumped each time the slot is reused, so an id kept after its
// connection closed compares unequal to the slot's new occupant and resolves to "gone".
// Generation 0 is never issued: a default ConnId is invalid.
struct ConnId {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;

  bool valid() const { return generation != 0; }
  std::uint64_t packed() const { return (std::uint64_t{generation} << 32) | index; }
  static ConnId from_packed(std::uint64_t v) {
    return ConnId{static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(v >> 32)};
  }
  friend bool operator==(ConnId, ConnId) = default;
  friend auto operator<=>(ConnId, ConnId) = default;
};

}  // namespace chat::net

template <>
struct std::hash<chat::net::ConnId> {
  std::size_t operator()(chat::net::ConnId id) const noexcept {
    return std::hash<std::uint64_t>{}(id.packed());
  }
};

template <>
struct fmt::formatter<chat::net::ConnId> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(chat::net::ConnId id, Ctx& ctx) const {
    return fmt::format_to(ctx.out(), "#{}.{}", id.index, id.generation);
  }
};
