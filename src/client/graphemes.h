// Public header. Text as a terminal user sees it: user-perceived characters (Unicode's extended
// grapheme clusters: 👍🏽, a Hangul syllable written as jamo, e + a combining accent) and the
// columns each one takes. Backed by utf8proc, whose Unicode data its maintainers keep current.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace chat::client {

// Where the grapheme cluster starting at byte `pos` of `text` ends (text.size() at most). A byte
// that is not UTF-8 is a cluster of its own. `pos` must be a cluster boundary below text.size().
std::size_t next_grapheme(std::string_view text, std::size_t pos);

// Where the grapheme cluster ending at byte `pos` of `text` starts (0 when pos is 0). `pos` must
// be a cluster boundary.
std::size_t previous_grapheme(std::string_view text, std::size_t pos);

// The columns one grapheme cluster takes on a terminal: its first character's width (2 for wide
// CJK and emoji), 2 for a narrow character made an emoji by U+FE0F, and never less than 1.
std::size_t grapheme_columns(std::string_view cluster);

// The columns `text` takes: the sum over its clusters.
std::size_t text_columns(std::string_view text);

}  // namespace chat::client
