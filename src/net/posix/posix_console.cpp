#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "net/console_input.h"

namespace chat::net {
namespace {

// The terminal's settings while echo is off, for the exit handler: a shutdown (Ctrl+C, an
// operator's shutdown) may end the process while the console thread waits in getline() below,
// and the operator's shell must not be left without echo.
termios g_saved{};
std::atomic<bool> g_echo_off{false};

void restore_echo_at_exit() {
  if (g_echo_off.exchange(false)) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
  }
}

}  // namespace

bool read_secret_line(std::string& line) {
  termios saved{};
  const bool terminal = isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal) {
    static std::once_flag registered;
    std::call_once(registered, [] { std::atexit(restore_echo_at_exit); });
    g_saved = saved;  // before the flag: the exit handler reads it only once the flag is set
    g_echo_off.store(true);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (terminal && g_echo_off.exchange(false)) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  }
  if (got && !line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return got;
}

}  // namespace chat::net
