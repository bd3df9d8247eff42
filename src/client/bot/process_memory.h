// Public header. Another local process's resident memory, for chat_bot's per-connection figure.
// One implementation per platform (process_memory_linux.cpp, _windows.cpp), chosen by the build.
#pragma once

#include <cstdint>
#include <optional>

namespace chat::bot {

// Resident set size of process `pid` in bytes, or nothing if it cannot be read. Thread-safe.
std::optional<std::uint64_t> resident_bytes(long pid);

}  // namespace chat::bot
