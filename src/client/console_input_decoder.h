// Public header. Turns Windows console input records (what ReadConsoleInputW returns: UTF-16 key
// events, window resizes) into UTF-8 text plus the key and resize events a line editor needs.
// Plain data in, plain data out, with no Windows types, so it is the same code and the same tests
// on every platform; terminal_windows.cpp copies each INPUT_RECORD into an InputRecord.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace chat::client::console_input {

// The fields of a KEY_EVENT_RECORD that matter here.
struct KeyRecord {
  bool key_down = false;
  std::uint16_t repeat_count = 1;
  std::uint16_t virtual_key = 0;   // VK_* code
  char16_t unicode_char = 0;       // one UTF-16 code unit, 0 when the key types nothing
  std::uint32_t control_keys = 0;  // dwControlKeyState
};

// A WINDOW_BUFFER_SIZE_RECORD: the screen buffer's new size.
struct ResizeRecord {
  std::int16_t columns = 0;
  std::int16_t rows = 0;
};

// Mouse, focus and menu records: nothing for the client.
struct OtherRecord {};

using InputRecord = std::variant<KeyRecord, ResizeRecord, OtherRecord>;

// A key that types nothing (arrows, Home, F1...), pressed or released, with its modifiers.
struct KeyEvent {
  bool key_down = false;
  std::uint16_t virtual_key = 0;
  std::uint32_t control_keys = 0;
  bool operator==(const KeyEvent&) const = default;
};
struct ResizeEvent {
  std::int16_t columns = 0;
  std::int16_t rows = 0;
  bool operator==(const ResizeEvent&) const = default;
};
using Event = std::variant<KeyEvent, ResizeEvent>;

inline constexpr std::uint16_t kVirtualKeyAlt = 0x12;  // VK_MENU

// Stateful across records: a character outside the Basic Multilingual Plane arrives as two
// records (a high and a low surrogate), possibly in two reads. Not thread-safe: one per reader.
class Decoder {
 public:
  // Appends the UTF-8 of what `record` types to `text` and its key or resize event to `events`.
  // Typed: a key-down with a character (repeat_count times), and the character Alt+numpad
  // composes, which comes with the Alt key's release. A lone surrogate becomes U+FFFD.
  // Alt+digit (a main-row digit, without Ctrl) is typed as ESC and the digit, as a POSIX
  // terminal sends it.
  void feed(const InputRecord& record, std::string& text, std::vector<Event>& events);

 private:
  void type(char16_t unit, std::string& text);

  char16_t high_surrogate_ = 0;  // waiting for its low half; 0 when none
};

// Appends the UTF-8 encoding of `cp` (U+FFFD for a surrogate or a value past U+10FFFF).
void append_utf8(char32_t cp, std::string& out);

}  // namespace chat::client::console_input
