#include "text_escape.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "utf8.h"

namespace chat::wire {
namespace {

using Range = CodePointRange;

// General categories Cc, Cf, Zl and Zp, sorted: Unicode 15.0 (UnicodeData.txt of Debian's
// unicode-data, the version of the repository's other tables). Unicode 16.0 added no character
// to these categories.
constexpr Range kEscaped[] = {
    {0x0000, 0x001F},   {0x007F, 0x009F},   {0x00AD, 0x00AD},   {0x0600, 0x0605},
    {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},
    {0x08E2, 0x08E2},   {0x180E, 0x180E},   {0x200B, 0x200F},   {0x2028, 0x202E},
    {0x2060, 0x2064},   {0x2066, 0x206F},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},
    {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
};

// Where emoji live: every Extended_Pictographic code point of Unicode 15.0 (emoji-data.txt), in
// fewer and wider ranges, plus the skin tone modifiers U+1F3FB..U+1F3FF. Used only to decide
// whether a U+200D joins two emoji, where a little too much is harmless: the joiner is invisible
// either way and cannot reorder or break the line.
constexpr Range kPictographic[] = {
    {0x00A9, 0x00A9}, {0x00AE, 0x00AE},   {0x203C, 0x203C},   {0x2049, 0x2049}, {0x2122, 0x2122},
    {0x2139, 0x2139}, {0x2194, 0x21AA},   {0x231A, 0x23FA},   {0x24C2, 0x24C2}, {0x25AA, 0x25FE},
    {0x2600, 0x27BF}, {0x2934, 0x2935},   {0x2B05, 0x2B55},   {0x3030, 0x3030}, {0x303D, 0x303D},
    {0x3297, 0x3299}, {0x1F000, 0x1FAFF}, {0x1FC00, 0x1FFFD},
};

constexpr char32_t kZeroWidthJoiner = 0x200D;
constexpr char32_t kEmojiPresentation = 0xFE0F;  // VARIATION SELECTOR-16

bool is_pictographic(char32_t cp) {
  return in_ranges(kPictographic, cp);
}

// Whether the well-formed character at text[i...] (if any) is pictographic.
bool pictographic_at(std::string_view text, std::size_t i) {
  char32_t cp = 0;
  return i < text.size() && next_code_point(text, i, cp) && is_pictographic(cp);
}

// Appends `prefix` and then `value` in `digits` hex digits.
void append_hex(std::string& out, std::string_view prefix, std::uint32_t value, int digits,
                bool upper) {
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  out += prefix;
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
    out += hex[(value >> shift) & 0xF];
  }
}

// Appends the escape of code point `cp` (one that is_escaped_code_point()).
void append_escape(std::string& out, char32_t cp) {
  switch (cp) {
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      break;
  }
  const auto value = static_cast<std::uint32_t>(cp);
  if (cp < 0x80) {
    append_hex(out, "\\x", value, 2, false);
  } else if (cp <= 0xFFFF) {
    append_hex(out, "\\u", value, 4, true);
  } else {
    append_hex(out, "\\U", value, 8, true);
  }
}

}  // namespace

bool is_escaped_code_point(char32_t cp) {
  return in_ranges(kEscaped, cp);
}

std::string escape_text(std::string_view text, const EscapeOptions& options) {
  const std::size_t bound = options.max_bytes;  // 0: none
  std::string out;
  out.reserve(bound == 0 ? text.size() : std::min(text.size(), bound) + kMaxCutMarkerBytes);
  std::string piece;          // what the current character or byte becomes
  char32_t previous = U'\0';  // the last character, for the joiner rule (0 after a bad byte)
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    const auto byte = static_cast<unsigned char>(text[i]);
    char32_t cp = 0;
    piece.clear();
    if (byte >= 0x20 && byte < 0x7F && (byte != '\\' || !options.escape_backslash)) {
      cp = byte;  // printable ASCII, the common case
      piece += text[i++];
    } else if (!next_code_point(text, i, cp)) {
      i = start + 1;  // one byte, shown as itself: the next byte may start a good character
      append_hex(piece, "\\x", byte, 2, false);
      cp = U'\0';
    } else if (cp == kZeroWidthJoiner && options.keep_emoji_joiners &&
               (is_pictographic(previous) || previous == kEmojiPresentation) &&
               pictographic_at(text, i)) {
      piece.assign(text.substr(start, i - start));
    } else if (is_escaped_code_point(cp)) {
      append_escape(piece, cp);
    } else if (cp == '\\') {
      piece = "\\\\";  // (escape_backslash)
    } else {
      piece.assign(text.substr(start, i - start));
    }
    if (bound != 0 && out.size() + piece.size() > bound) {
      const std::size_t left_out = text.size() - start;
      out += "…(+";
      out += std::to_string(left_out);
      out += left_out == 1 ? " byte)" : " bytes)";
      return out;
    }
    out += piece;
    previous = cp;
  }
  return out;
}

}  // namespace chat::wire
