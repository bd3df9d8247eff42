// Public header. When a message was said, as the console client shows it: local time, the date
// too when it is not today's. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace chat::client {

// "14:05" for a Unix time (ms) of the local day of `now`; "2026-12-06 14:05" for any other day,
// and always with `with_date` (history replayed on joining: said before you came, maybe long
// ago). 0 (a server that sent no time) gives "".
std::string message_time(
    std::uint64_t unix_ms, bool with_date,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace chat::client
