// Public header. Where the prompt and the line being typed go on the screen: cut into rows of the
// terminal's width, and the cursor's place among them, and the bytes that erase and redraw them
// however many rows they take. Pure functions, so the layout is tested without a terminal;
// OrderedConsole writes what they return. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chat::client {

struct InputLayout {
  std::vector<std::string> rows;         // never empty
  std::vector<std::size_t> row_columns;  // the columns each row takes
  std::size_t cursor_row = 0;
  std::size_t cursor_column = 0;
};

// Lays out `prompt` + `before` + `after` (shown text: escaped, no control characters), the
// cursor between `before` and `after`, in rows of `columns` (0: one row however long). A row
// breaks before a grapheme cluster that does not fit (a wide character never straddles the
// edge); a cursor that would sit past a full row starts the next one, an empty row if nothing
// follows, so the cursor is always on a row of the layout.
InputLayout layout_input(std::string_view prompt, std::string_view before, std::string_view after,
                         std::size_t columns);

// The bytes that draw `layout` from the start of the cursor's row on the area's first row and
// leave the cursor where the layout says.
std::string draw_input(const InputLayout& layout);

// The bytes that erase an area drawn as `shown` (the cursor where draw_input() left it) and leave
// the cursor at the start of the area's first row, once the terminal is `columns` wide (0:
// unknown). After a resize, a terminal that rewraps its lines (tmux, Windows' console) shows each
// of the area's rows of w columns on ceil(w / columns) rows; the rows above the cursor are
// counted so.
std::string erase_input(const InputLayout& shown, std::size_t columns);

}  // namespace chat::client
