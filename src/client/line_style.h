// Public header. The colour of a line the console client prints, by what the line is. Pure;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace chat::client {

// The SGR sequence to show `line` (as ConsoleSession writes lines, after an optional time) in:
// green for your own messages (from `own_nickname`), magenta for whispers either way, cyan for
// presence and other "* " information, red for "! " errors and warnings; "" for the rest
// (others' messages). Only the line's own prefix decides, never the text someone sent.
std::string line_style(std::string_view line, std::string_view own_nickname);

// What ends a coloured row.
inline constexpr std::string_view kStyleReset = "\x1b[0m";

}  // namespace chat::client
