#include <fstream>
#include <string>

#include "process_memory.h"

namespace chat::bot {

std::optional<std::uint64_t> resident_bytes(long pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::uint64_t kib = 0;
      if (status >> kib) {
        return kib * 1024;
      }
      return std::nullopt;
    }
    status.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

}  // namespace chat::bot
