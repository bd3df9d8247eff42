#include "input_area.h"

#include <algorithm>

#include <fmt/format.h>

#include "graphemes.h"

namespace chat::client {
namespace {

// Places text a cluster at a time.
class Rows {
 public:
  explicit Rows(std::size_t columns) : columns_(columns) { layout_.rows.emplace_back(); }

  void add(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
      const std::size_t end = next_grapheme(text, i);
      const std::string_view cluster = text.substr(i, end - i);
      const std::size_t width = grapheme_columns(cluster);
      if (columns_ != 0 && width_ + width > columns_ && width_ > 0) {
        new_row();
      }
      layout_.rows.back() += cluster;
      width_ += width;
      i = end;
    }
  }

  void mark_cursor() {
    if (columns_ != 0 && width_ >= columns_) {
      new_row();  // past a full row: the next one
    }
    layout_.cursor_row = layout_.rows.size() - 1;
    layout_.cursor_column = width_;
  }

  InputLayout finish() {
    layout_.row_columns.push_back(width_);
    return std::move(layout_);
  }

 private:
  void new_row() {
    layout_.row_columns.push_back(width_);
    layout_.rows.emplace_back();
    width_ = 0;
  }

  const std::size_t columns_;
  InputLayout layout_;
  std::size_t width_ = 0;  // of the last row
};

}  // namespace

InputLayout layout_input(std::string_view prompt, std::string_view before, std::string_view after,
                         std::size_t columns) {
  Rows rows(columns);
  rows.add(prompt);
  rows.add(before);
  rows.mark_cursor();
  rows.add(after);
  return rows.finish();
}

std::string draw_input(const InputLayout& layout) {
  std::string out;
  for (std::size_t r = 0; r < layout.rows.size(); ++r) {
    if (r != 0) {
      out += "\r\n";  // our own row breaks: no terminal decides where a row ends
    }
    out += layout.rows[r];
  }
  const std::size_t last = layout.rows.size() - 1;
  if (layout.cursor_row == last && layout.cursor_column == layout.row_columns[last]) {
    return out;  // already there
  }
  if (last > layout.cursor_row) {
    out += fmt::format("\x1b[{}A", last - layout.cursor_row);
  }
  out += '\r';
  if (layout.cursor_column > 0) {
    out += fmt::format("\x1b[{}C", layout.cursor_column);
  }
  return out;
}

namespace {

// How a terminal `columns` wide (not 0) rewraps one row it was given: the rows it then takes,
// and the one of them (from 0) the cursor at `cursor_column` of it is on. Cluster by cluster, as
// layout_input() places them: a wide character that does not fit the end of a row starts the
// next one, so a row of wide characters takes more rows than its width / columns.
struct Rewrapped {
  std::size_t rows = 1;
  std::size_t cursor_row = 0;
};
Rewrapped rewrap(std::string_view row, std::size_t columns, std::size_t cursor_column) {
  Rewrapped out;
  std::size_t width = 0;  // of the last rewrapped row
  std::size_t taken = 0;  // columns of `row` placed so far
  for (std::size_t i = 0; i < row.size();) {
    if (taken == cursor_column) {
      out.cursor_row = out.rows - 1 + (width >= columns ? 1 : 0);  // past a full row: the next
    }
    const std::size_t end = next_grapheme(row, i);
    const std::size_t cluster = grapheme_columns(row.substr(i, end - i));
    if (width + cluster > columns && width > 0) {
      ++out.rows;
      width = 0;
    }
    width += cluster;
    taken += cluster;
    i = end;
  }
  if (taken <= cursor_column) {
    out.cursor_row = out.rows - 1 + (width >= columns ? 1 : 0);
  }
  return out;
}

}  // namespace

std::string erase_input(const InputLayout& shown, std::size_t columns) {
  std::size_t up = 0;
  for (std::size_t r = 0; r < shown.cursor_row; ++r) {
    up += columns == 0 ? 1 : rewrap(shown.rows[r], columns, 0).rows;
  }
  if (columns != 0) {  // the cursor's own row, rewrapped
    up += rewrap(shown.rows[shown.cursor_row], columns, shown.cursor_column).cursor_row;
  }
  if (up == 0 && shown.rows.size() == 1 && (columns == 0 || shown.row_columns[0] <= columns)) {
    return "\r\x1b[K";  // one row: clear it
  }
  std::string out = up > 0 ? fmt::format("\x1b[{}A", up) : std::string();
  return out + "\r\x1b[J";  // column 0, then clear to the end of the screen
}

}  // namespace chat::client
