#include "warnings.h"

#include <atomic>
#include <cstdio>
#include <string>

namespace chat::net {
namespace {

std::atomic<WarningSink> g_sink{nullptr};

void write_to_stderr(std::string_view message) {
  // One write per line, so that lines from two threads do not interleave.
  std::string line = "WARN  net: ";
  line.append(message);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void set_warning_sink(WarningSink sink) {
  g_sink.store(sink, std::memory_order_release);
}

void warn(std::string_view message) {
  const WarningSink sink = g_sink.load(std::memory_order_acquire);
  (sink != nullptr ? sink : &write_to_stderr)(message);
}

}  // namespace chat::net
