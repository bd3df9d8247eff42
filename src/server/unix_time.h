// Internal header (server). Wall-clock time as the protocol and the database use it.
#pragma once

#include <chrono>
#include <cstdint>

namespace chat::server {

// Unix time in milliseconds. Thread-safe.
inline std::uint64_t unix_time_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace chat::server
