// Public header. Counts in the words people read: "1 attempt", "2 attempts".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace chat::client {

// "1 bot", "0 bots", "3 bots"; `many` defaults to `one` + "s" ("delivery" needs its own).
// Thread-safe.
inline std::string count_of(std::uint64_t n, std::string_view one, std::string_view many = {}) {
  if (n == 1) {
    return fmt::format("1 {}", one);
  }
  return many.empty() ? fmt::format("{} {}s", n, one) : fmt::format("{} {}", n, many);
}

}  // namespace chat::client
