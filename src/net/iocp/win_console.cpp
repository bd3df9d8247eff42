#include "net/windows_headers.h"

#include <iostream>

#include "net/console_input.h"

namespace chat::net {

bool read_secret_line(std::string& line) {
  const HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  DWORD saved = 0;
  const bool console = in != INVALID_HANDLE_VALUE && GetConsoleMode(in, &saved) != 0;
  if (console) {
    SetConsoleMode(in, saved & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
  }
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (console) {
    SetConsoleMode(in, saved);
  }
  if (got && !line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return got;
}

}  // namespace chat::net
