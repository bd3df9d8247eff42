// Public header. Text a client sent, made safe to show: on a terminal (chat_client) or in a log
// line (chat_server). Text from the network must not move a terminal's cursor, start an escape
// sequence, reorder what the reader sees (bidi controls) or hide characters (zero-width ones),
// and a log line must stay one line. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chat::wire {

struct EscapeOptions {
  // 0: no bound. Otherwise at most this many bytes of escaped text are kept, cut between two
  // characters or escapes (never inside one), and the marker "…(+N bytes)" ("…(+1 byte)")
  // follows, N counting the bytes of `text` left out. The work done is bounded by max_bytes too,
  // not by the input.
  std::size_t max_bytes = 0;
  // Keep U+200D ZERO WIDTH JOINER where it joins two pictographic characters, as in the emoji
  // sequences "woman technologist" (U+1F469 U+200D U+1F4BB) or "rainbow flag" (U+1F3F3 U+FE0F
  // U+200D U+1F308): for display, where escaping it would break every such emoji in two. It
  // then follows a pictographic character, U+FE0F or a skin tone modifier, and precedes a
  // pictographic character (a superset of Extended_Pictographic; see text_escape.cpp). Elsewhere,
  // and always when false, it is escaped like every other format character.
  bool keep_emoji_joiners = false;
  // Also write '\' as "\\", so that the output maps back to exactly one input (a log reader can
  // tell an escape from a client who typed one). Off, ordinary text passes unchanged.
  bool escape_backslash = false;
};

// The marker's longest form: "…(+" + 20 digits + " bytes)".
inline constexpr std::size_t kMaxCutMarkerBytes = 3 + 2 + 20 + 7;

// `text` (UTF-8 from a client) with every character of Unicode general categories Cc, Cf, Zl and
// Zp, and every byte that is not part of well-formed UTF-8, replaced by a visible escape:
//   \t \n \r                     tab, line feed, carriage return
//   \xHH                         any other ASCII control (ESC is \x1b, DEL \x7f), and a byte that
//                                is not well-formed UTF-8 (\xff, \xc0...): always one byte
//   \uHHHH, \UHHHHHHHH           any other such code point: C1 controls (\u009B), bidi controls
//                                (\u202E), zero-width characters (\u200B), U+2028 (\u2028),
//                                tag characters (\U000E0041)
// Hex digits are lowercase after \x and uppercase after \u and \U. Every other character,
// including '\' (unless options.escape_backslash), passes unchanged. Thread-safe (pure).
std::string escape_text(std::string_view text, const EscapeOptions& options = {});

// Whether `cp` is in general category Cc, Cf, Zl or Zp: what escape_text() escapes.
bool is_escaped_code_point(char32_t cp);

}  // namespace chat::wire
