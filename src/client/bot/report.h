// Public header. chat_bot's results: a table for people, JSON for machines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "runner.h"

namespace chat::bot {

// Thread-safe (pure).
std::string summary_table(const RunResult& r);
std::string to_json(const RunResult& r);

// What the progress line shows, once a second on a terminal.
struct Progress {
  std::string stage;  // "joining", "load"...
  double elapsed_s = 0;
  unsigned ready = 0;
  unsigned clients = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  double received_per_s = 0;
  std::uint64_t errors = 0;
};
// The progress line, without the "\r" that starts each redraw: at most `columns` - 1 characters
// (0: not cut), so it never fills or wraps a row of the terminal, and erasing that one row
// erases all of it. Thread-safe (pure).
std::string progress_line(const Progress& p, std::size_t columns);

}  // namespace chat::bot
