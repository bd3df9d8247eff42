#include "console_input_decoder.h"

namespace chat::client::console_input {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_high_surrogate(char16_t unit) {
  return unit >= 0xD800 && unit <= 0xDBFF;
}
bool is_low_surrogate(char16_t unit) {
  return unit >= 0xDC00 && unit <= 0xDFFF;
}

constexpr std::uint32_t kRightAltPressed = 0x0001;  // RIGHT_ALT_PRESSED
constexpr std::uint32_t kLeftAltPressed = 0x0002;   // LEFT_ALT_PRESSED
constexpr std::uint32_t kCtrlPressed = 0x0004 | 0x0008;

// Alt and a digit key of the main row, pressed: not AltGr (right Alt with left Ctrl, which types
// characters on many keyboards), not a digit of the numeric pad (Alt+numpad composes a
// character instead).
bool alt_digit(const KeyRecord& key) {
  return key.key_down && (key.control_keys & (kRightAltPressed | kLeftAltPressed)) != 0 &&
         (key.control_keys & kCtrlPressed) == 0 && key.virtual_key >= '0' &&
         key.virtual_key <= '9' && key.unicode_char >= u'0' && key.unicode_char <= u'9';
}

}  // namespace

void append_utf8(char32_t cp, std::string& out) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    cp = kReplacement;
  }
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void Decoder::type(char16_t unit, std::string& text) {
  if (is_low_surrogate(unit) && high_surrogate_ != 0) {
    const char32_t cp =
        0x10000 + ((static_cast<char32_t>(high_surrogate_) - 0xD800) << 10) + (unit - 0xDC00);
    high_surrogate_ = 0;
    append_utf8(cp, text);
    return;
  }
  if (high_surrogate_ != 0) {  // a high surrogate not followed by its low half
    high_surrogate_ = 0;
    append_utf8(kReplacement, text);
  }
  if (is_high_surrogate(unit)) {
    high_surrogate_ = unit;
    return;
  }
  append_utf8(unit, text);  // a lone low surrogate becomes U+FFFD there
}

void Decoder::feed(const InputRecord& record, std::string& text, std::vector<Event>& events) {
  if (const auto* resize = std::get_if<ResizeRecord>(&record)) {
    events.emplace_back(ResizeEvent{resize->columns, resize->rows});
    return;
  }
  const auto* key = std::get_if<KeyRecord>(&record);
  if (key == nullptr) {
    return;
  }
  if (alt_digit(*key)) {
    // What a POSIX terminal sends for Alt+digit, which the line editor reads (switching rooms).
    text.push_back('\x1b');
    text.push_back(static_cast<char>(key->unicode_char));
    return;
  }
  const bool composed = !key->key_down && key->virtual_key == kVirtualKeyAlt;
  if (key->unicode_char != 0 && (key->key_down || composed)) {
    const int times = key->key_down && key->repeat_count > 1 ? key->repeat_count : 1;
    for (int i = 0; i < times; ++i) {
      type(key->unicode_char, text);
    }
    return;
  }
  if (key->unicode_char == 0) {
    events.emplace_back(KeyEvent{key->key_down, key->virtual_key, key->control_keys});
  }
}

}  // namespace chat::client::console_input
