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

std::string erase_input(const InputLayout& shown, std::size_t columns) {
  std::size_t up = 0;
  for (std::size_t r = 0; r < shown.cursor_row; ++r) {
    const std::size_t width = shown.row_columns[r];
    up += columns == 0 || width == 0 ? 1 : (width + columns - 1) / columns;
  }
  if (columns != 0 && shown.cursor_column >= columns) {
    up += shown.cursor_column / columns;  // the cursor's own row, rewrapped
  }
  if (up == 0 && shown.rows.size() == 1 && (columns == 0 || shown.row_columns[0] <= columns)) {
    return "\r\x1b[K";  // one row: clear it
  }
  std::string out = up > 0 ? fmt::format("\x1b[{}A", up) : std::string();
  return out + "\r\x1b[J";  // column 0, then clear to the end of the screen
}

}  // namespace chat::client
