#include "line_wrap.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "net/wire/utf8.h"

namespace chat::client {
namespace {

using Range = wire::CodePointRange;

// Two columns: Unicode 15.0's East Asian Width W and F (EastAsianWidth.txt) and its
// Extended_Pictographic characters (emoji-data.txt), sorted, with gaps of under 32 code points
// between them closed. Closing a gap only ever counts more (see column_width()), and pictographs
// that terminals draw narrow (©, ↔) count 2 because others draw them as wide emoji.
// (Issue 10 replaces this table with utf8proc's widths.)
constexpr Range kWide[] = {
    {0x00A9, 0x00A9},   {0x00AE, 0x00AE},   {0x1100, 0x115F},   {0x203C, 0x2049},
    {0x2122, 0x2139},   {0x2194, 0x21AA},   {0x231A, 0x232A},   {0x2388, 0x2388},
    {0x23CF, 0x23FA},   {0x24C2, 0x24C2},   {0x25AA, 0x25C0},   {0x25FB, 0x2767},
    {0x2795, 0x27BF},   {0x2934, 0x2935},   {0x2B05, 0x2B1C},   {0x2B50, 0x2B55},
    {0x2E80, 0x4DBF},   {0x4E00, 0xA4C6},   {0xA960, 0xA97C},   {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE10, 0xFE6B},   {0xFF01, 0xFF60},   {0xFFE0, 0xFFE6},
    {0x16FE0, 0x18CD5}, {0x18D00, 0x18D08}, {0x1AFF0, 0x1B2FB}, {0x1F000, 0x1F12F},
    {0x1F16C, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F774, 0x1F77F}, {0x1F7D5, 0x1F80F},
    {0x1F848, 0x1F85F}, {0x1F888, 0x1FAFF}, {0x1FC00, 0x3FFFD},
};

// Drawn together with the character before them: combining diacritical marks (the main blocks),
// U+200D ZERO WIDTH JOINER, variation selectors and the emoji skin tones. A row is not broken
// before one of these, nor right after a joiner, unless the whole cluster is wider than a row.
constexpr Range kAttaching[] = {
    {0x0300, 0x036F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},   {0x200D, 0x200D},   {0x20D0, 0x20FF},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0x1F3FB, 0x1F3FF}, {0xE0100, 0xE01EF},
};

constexpr char32_t kZeroWidthJoiner = 0x200D;

bool attaches(char32_t previous, char32_t cp) {
  return previous == kZeroWidthJoiner || wire::in_ranges(kAttaching, cp);
}

// The next code point of `text` at `i` (advancing it); a byte that is not UTF-8 reads as
// U+FFFD, one column, like terminals draw it.
char32_t next_or_replacement(std::string_view text, std::size_t& i) {
  const std::size_t start = i;
  char32_t cp = 0;
  if (!wire::next_code_point(text, i, cp)) {
    i = start + 1;
    cp = 0xFFFD;
  }
  return cp;
}

// Builds the rows of one line, a character at a time.
class RowBuilder {
 public:
  explicit RowBuilder(std::size_t columns)
      : columns_(std::max(columns, column_width(kContinuationIndent) + 2)) {}

  void add(std::string_view bytes, char32_t cp) {
    const std::size_t width = column_width(cp);
    const bool attached = row_.size() > content_start_ && attaches(previous_, cp);
    if (!attached) {
      cluster_start_ = row_.size();
      cluster_columns_ = 0;
    }
    if (row_columns_ + width > columns_) {
      if (attached && cluster_start_ > content_start_) {
        // Move the cluster begun on this row to the next, whole.
        std::string cluster = row_.substr(cluster_start_);
        row_.resize(cluster_start_);
        next_row();
        row_ += cluster;
        row_columns_ += cluster_columns_;
      }
      if (row_columns_ + width > columns_ && row_.size() > content_start_) {
        next_row();  // (within a cluster wider than a row, if it comes to that)
        cluster_columns_ = 0;
      }
    }
    row_ += bytes;
    row_columns_ += width;
    cluster_columns_ += width;
    previous_ = cp;
  }

  std::vector<std::string> finish() {
    rows_.push_back(std::move(row_));
    return std::move(rows_);
  }

 private:
  void next_row() {
    rows_.push_back(std::move(row_));
    row_.assign(kContinuationIndent);
    row_columns_ = column_width(kContinuationIndent);
    content_start_ = row_.size();
    cluster_start_ = content_start_;
  }

  const std::size_t columns_;
  std::vector<std::string> rows_;
  std::string row_;
  std::size_t row_columns_ = 0;
  std::size_t content_start_ = 0;  // where the row's characters begin (after an indent)
  std::size_t cluster_start_ = 0;  // where, in row_, the current cluster begins
  std::size_t cluster_columns_ = 0;
  char32_t previous_ = 0;
};

}  // namespace

std::size_t column_width(char32_t cp) {
  return wire::in_ranges(kWide, cp) ? 2 : 1;
}

std::size_t column_width(std::string_view text) {
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size();) {
    columns += column_width(next_or_replacement(text, i));
  }
  return columns;
}

std::vector<std::string> wrap_line(std::string_view line, std::size_t columns) {
  if (columns == 0) {
    return {std::string(line)};
  }
  RowBuilder rows(columns);
  for (std::size_t i = 0; i < line.size();) {
    const std::size_t start = i;
    const char32_t cp = next_or_replacement(line, i);
    rows.add(line.substr(start, i - start), cp);
  }
  return rows.finish();
}

}  // namespace chat::client
