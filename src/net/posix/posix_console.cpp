#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "net/console_input.h"

namespace chat::net {

bool read_secret_line(std::string& line) {
  termios saved{};
  const bool terminal = isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  }
  if (got && !line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return got;
}

}  // namespace chat::net
