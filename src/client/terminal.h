// Public header. The few terminal operations the console client needs. One implementation per
// platform (terminal_posix.cpp, terminal_windows.cpp), chosen by the build's source list.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "console_input_decoder.h"

namespace chat::client::terminal {

// Whether stdin / stdout / stderr is an interactive terminal (not a file or pipe). Thread-safe.
bool stdin_is_terminal();
bool stdout_is_terminal();
bool stderr_is_terminal();

// How many columns a row written to stdout may fill without the terminal wrapping it: its width
// (one less on Windows, whose console may wrap as soon as the last column is written); 0 when
// stdout is not a terminal or the width is unknown. Asked anew each time: the window may be
// resized. Thread-safe.
std::size_t stdout_columns();

// Puts stdin in raw-ish mode for its lifetime: no line buffering and no echo, so the console can
// edit and draw the input line itself, but Ctrl+C still raises SIGINT so the process can always
// be stopped. Output processing stays on ("\n" still moves to column 0). Does nothing when stdin
// is not a terminal. Thread contract: construct and destroy on one thread, at most one alive.
class RawMode {
 public:
  RawMode();
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  struct Saved;                   // the platform's terminal settings from before
  std::unique_ptr<Saved> saved_;  // null when there was nothing to change
};

// What read_stdin() returns when the terminal window was resized: nothing was read; ask
// stdout_columns() again and redraw.
inline constexpr long kReadResized = -2;

// Blocks until stdin has bytes; reads up to `n` of them. Returns the count, 0 at end of input
// or after interrupt_stdin_reads(), -1 on error, kReadResized after a resize of the terminal
// (SIGWINCH; a Windows console's buffer size event) while stdin is one. Signal-interrupted reads
// are retried. Thread contract: one reading thread at a time.
long read_stdin(char* buf, std::size_t n);

// The key events (keys that type nothing; with the console's virtual-terminal input, arrows
// arrive as escape sequences in the text instead) and window resizes a Windows console reported
// while read_stdin() read, oldest first; the last 256 are kept. Always empty where stdin is not a
// Windows console. Thread contract: call from the thread that calls read_stdin().
std::vector<console_input::Event> take_console_events();

// Makes the current and every later read_stdin() return 0 (end of input), so the input thread
// can finish when the connection ends or Ctrl+C arrives. Thread-safe.
void interrupt_stdin_reads();

// Writes all of `bytes` to stdout, unbuffered, retrying partial writes; gives up silently on an
// error (a closed stdout must not stop the client). Thread-safe, but concurrent calls may
// interleave: serialize them when that matters.
void write_stdout(std::string_view bytes);

}  // namespace chat::client::terminal
