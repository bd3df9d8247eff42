// Public header. The editing rules for the console's input line, fed one byte at a time from a
// raw terminal, with no I/O so they can be tested without one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat::client {

// One input line and a cursor in it, moved and edited by grapheme cluster (graphemes.h), so a
// key never splits 👍🏽 or a Hangul syllable:
//   printable bytes (UTF-8 included)  insert at the cursor
//   Left/Right, Ctrl+B/Ctrl+F          move one character
//   Home/End, Ctrl+A/Ctrl+E            move to the start/end
//   Backspace (or DEL), Delete         erase the character before/at the cursor
//   Ctrl+W                             erase the word before the cursor (and the spaces after it)
//   Ctrl+K / Ctrl+U                    erase from the cursor to the end / to the start
//   Up/Down, Ctrl+P/Ctrl+N             step through the history (add_history), keeping the line
//                                      being typed to come back to
//   Alt+digit                          take_alt_digit() reports it (ESC and the digit in one
//                                      burst: input_paused())
//   Enter (CR, LF or CR LF)            completes the line
//   Ctrl+D                             end of input on an empty line, else Delete
// Other escape sequences (function keys) and control bytes are dropped. Thread contract: none;
// the owner confines it to one thread.
//
// The line holds at most max_bytes() bytes (set_max_bytes()): a byte typed or pasted past that is
// dropped, never the part of a character, and take_dropped() says it happened, so a huge paste
// cannot grow the buffer without bound.
class LineEditor {
 public:
  static constexpr std::size_t kHistoryLines = 500;
  static constexpr std::size_t kDefaultMaxBytes = 64 * 1024;

  // Returns the completed line when `byte` ends one (the buffer is then empty again).
  std::optional<std::string> feed(char byte);
  // The partly typed line; contains no control bytes.
  const std::string& buffer() const { return buffer_; }
  // The cursor: a byte offset into buffer(), at a cluster boundary.
  std::size_t cursor() const { return cursor_; }
  // Puts `text` in the line, the cursor at its end (its control bytes dropped, as if typed).
  void set_buffer(std::string_view text);
  // Adds a sent line to the history Up brings back (the oldest go past kHistoryLines).
  void add_history(std::string line);
  // With history off (a password being typed), Up and Down do nothing.
  void set_history_enabled(bool enabled) { history_enabled_ = enabled; }
  // The most bytes the line holds (at least 4: one character of any length). A line already
  // longer keeps its bytes until edited.
  void set_max_bytes(std::size_t bytes);
  std::size_t max_bytes() const { return max_bytes_; }
  // True once if bytes were dropped (the line was full) since the last call.
  bool take_dropped() { return std::exchange(dropped_, false); }
  // The digit of the last Alt+digit pressed since the last call, if any.
  std::optional<int> take_alt_digit();
  // Every byte that had arrived was fed, and the terminal had no more: an ESC that ended them was
  // the Escape key pressed alone, not the start of Alt+key or of a key's sequence (a terminal
  // sends those in one write), so what is typed next is typed, not taken as Alt+ it.
  void input_paused();
  // True once Ctrl+D arrived on an empty line; every later byte is ignored.
  bool eof() const { return eof_; }

 private:
  enum class Escape : std::uint8_t { none, started, csi, ss3 };

  bool escape_byte(unsigned char byte);
  void csi_key(char final_byte);
  bool control(unsigned char byte);
  std::optional<std::string> take_line();
  void insert(char byte);
  void move_left();
  void move_right();
  void erase_before();
  void erase_at();
  void erase_word_before();
  void history_step(int direction);

  std::string buffer_;
  std::size_t cursor_ = 0;
  std::vector<std::string> history_;
  std::size_t history_index_ = 0;  // history_.size(): the line being typed, not a history line
  std::string draft_;              // the line being typed, while Up shows history
  bool history_enabled_ = true;
  std::optional<int> alt_digit_;
  Escape escape_ = Escape::none;
  std::string csi_params_;
  bool after_cr_ = false;
  bool eof_ = false;
  std::size_t max_bytes_ = kDefaultMaxBytes;
  bool dropping_ = false;  // the lead byte of the character being typed was dropped
  bool dropped_ = false;   // for take_dropped()
};

}  // namespace chat::client
