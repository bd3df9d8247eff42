#include "net/windows_headers.h"
// psapi.h needs windows.h first.
#include <psapi.h>

#include "process_memory.h"

namespace chat::bot {

std::optional<std::uint64_t> resident_bytes(long pid) {
  HANDLE process = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (process == nullptr) {
    return std::nullopt;
  }
  PROCESS_MEMORY_COUNTERS counters{};
  const BOOL ok = ::K32GetProcessMemoryInfo(process, &counters, sizeof counters);
  ::CloseHandle(process);
  if (!ok) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(counters.WorkingSetSize);  // Windows' resident set
}

}  // namespace chat::bot
