#include "net/windows_headers.h"

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "net/console_input.h"

namespace chat::net {
namespace {

// The console's mode while echo is off, for the exit handler: a shutdown may end the process
// while the console thread waits in getline() below, and the console must get its echo back.
std::atomic<DWORD> g_saved_mode{0};
std::atomic<bool> g_echo_off{false};

void restore_echo_at_exit() {
  if (g_echo_off.exchange(false)) {
    SetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), g_saved_mode.load());
  }
}

}  // namespace

bool read_secret_line(std::string& line) {
  const HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  DWORD saved = 0;
  const bool console = in != INVALID_HANDLE_VALUE && GetConsoleMode(in, &saved) != 0;
  if (console) {
    static std::once_flag registered;
    std::call_once(registered, [] { std::atexit(restore_echo_at_exit); });
    g_saved_mode.store(saved);
    g_echo_off.store(true);
    SetConsoleMode(in, saved & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
  }
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (console && g_echo_off.exchange(false)) {
    SetConsoleMode(in, saved);
  }
  if (got && !line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return got;
}

}  // namespace chat::net
