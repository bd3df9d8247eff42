// Public header. How a line of chat output fits a terminal: how many columns a character takes,
// and the rows a line is cut into. The client wraps its lines itself so that it decides how a
// continuation row starts; a row the terminal wraps on its own starts at column 0 with whatever
// the sender put there, and could pass for a line of another sender ("[lobby] <admin> ...").
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chat::client {

// How every continuation row starts. Each line the client prints starts at column 0 (with '[',
// '*' or '!'), so an indented row can only be the rest of the line above it.
inline constexpr std::string_view kContinuationIndent = "  ";

// The columns `cp` takes on a terminal: 2 for the wide characters (East Asian Wide and
// Fullwidth, emoji and other pictographs), 1 for every other. Never less than a terminal draws,
// as far as terminals agree: what draws narrower (combining marks, joiners and variation
// selectors take 0; some pictographs 1) only ends a row a little early, while a character
// drawn wider than counted would push the row past the edge. Characters of East Asian Width
// "Ambiguous" count 1, as terminals draw them outside CJK locales.
std::size_t column_width(char32_t cp);

// The columns `text` takes: the sum of column_width() over its code points (a byte that is not
// UTF-8 counts 1).
std::size_t column_width(std::string_view text);

// `line` (one line, without control characters: wire::escape_text() output) cut into rows of at
// most `columns` columns each; every row after the first starts with kContinuationIndent.
// Characters are kept in order and none is lost or split; a row breaks before a combining mark,
// joiner, variation selector or skin tone only when their whole cluster would not fit a row.
// `columns` 0 means no limit (one row). Below kContinuationIndent's width + 2 a row may exceed
// `columns` by what one character needs.
std::vector<std::string> wrap_line(std::string_view line, std::size_t columns);

}  // namespace chat::client
