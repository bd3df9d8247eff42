#include "client/input_area.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chat::client {
namespace {

const std::string kHan = "\xed\x95\x9c";  // 한: two columns

TEST(InputArea, OneRowWhenItFits) {
  const InputLayout l = layout_input("> ", "abc", "de", 10);
  EXPECT_EQ(l.rows, std::vector<std::string>{"> abcde"});
  EXPECT_EQ(l.cursor_row, 0u);
  EXPECT_EQ(l.cursor_column, 5u);
  EXPECT_EQ(draw_input(l), "> abcde\r\x1b[5C");
  EXPECT_EQ(erase_input(l, 10), "\r\x1b[K");
}

TEST(InputArea, LongInputTakesAsManyRowsAsItNeeds) {
  const InputLayout l = layout_input("> ", std::string(20, 'x'), "", 8);
  EXPECT_EQ(l.rows, (std::vector<std::string>{"> xxxxxx", "xxxxxxxx", "xxxxxx"}));
  EXPECT_EQ(l.cursor_row, 2u);
  EXPECT_EQ(l.cursor_column, 6u);
  EXPECT_EQ(draw_input(l), "> xxxxxx\r\nxxxxxxxx\r\nxxxxxx");
  // Erasing goes up to the first row and clears everything below.
  EXPECT_EQ(erase_input(l, 8), "\x1b[2A\r\x1b[J");
}

TEST(InputArea, AWideCharacterNeverStraddlesTheEdge) {
  const InputLayout l = layout_input("> ", "abcd" + kHan, "", 7);
  EXPECT_EQ(l.rows, (std::vector<std::string>{"> abcd", kHan}));
  EXPECT_EQ(l.row_columns, (std::vector<std::size_t>{6, 2}));
}

TEST(InputArea, ACursorPastAFullRowStartsTheNextOne) {
  const InputLayout l = layout_input("> ", "xxxx", "", 6);
  EXPECT_EQ(l.rows, (std::vector<std::string>{"> xxxx", ""}));
  EXPECT_EQ(l.cursor_row, 1u);
  EXPECT_EQ(l.cursor_column, 0u);
  EXPECT_EQ(draw_input(l), "> xxxx\r\n");
}

TEST(InputArea, TheCursorIsPlacedInsideWrappedInput) {
  const InputLayout l = layout_input("> ", "xxxxxxx", "yyyyyy", 8);
  EXPECT_EQ(l.rows, (std::vector<std::string>{"> xxxxxx", "xyyyyyy"}));
  EXPECT_EQ(l.cursor_row, 1u);
  EXPECT_EQ(l.cursor_column, 1u);
  EXPECT_EQ(draw_input(l), "> xxxxxx\r\nxyyyyyy\r\x1b[1C");
  const InputLayout at_start = layout_input("> ", "", std::string(10, 'y'), 8);
  EXPECT_EQ(draw_input(at_start), "> yyyyyy\r\nyyyy\x1b[1A\r\x1b[2C");
  EXPECT_EQ(erase_input(at_start, 8), "\r\x1b[J");
}

TEST(InputArea, AfterANarrowingResizeTheRewrappedRowsAreCounted) {
  // Drawn 20 wide: "> " + 30 x, two rows of 20 and 12, the cursor at the end.
  const InputLayout l = layout_input("> ", std::string(30, 'x'), "", 20);
  ASSERT_EQ(l.rows.size(), 2u);
  // Now 8 wide: the first row shows as 3 rows, the cursor's (12 columns) as 2.
  EXPECT_EQ(erase_input(l, 8), "\x1b[4A\r\x1b[J");
  // Widening rewraps nothing: one row up.
  EXPECT_EQ(erase_input(l, 80), "\x1b[1A\r\x1b[J");
}

// A terminal rewraps a row of wide characters a character at a time: one that does not fit
// the end of a row starts the next, so the row takes more rows than its width / columns.
TEST(InputArea, AfterANarrowingResizeWideCharactersAreCountedAsTheyRewrap) {
  // Drawn 10 wide: "> " + four 2-column characters fill the row; the cursor starts the next.
  const InputLayout full = layout_input("> ", kHan + kHan + kHan + kHan, "", 10);
  ASSERT_EQ(full.rows.size(), 2u);
  // Now 3 wide: "> ", then one character per row (the third column stays empty): 5 rows, not
  // the 4 that 10 columns / 3 make.
  EXPECT_EQ(erase_input(full, 3), "\x1b[5A\r\x1b[J");
  // One row of 8 columns, the cursor at its end: "> ", then a character per row, the cursor
  // after the third one, 3 rows down (8 / 3 made it 2).
  const InputLayout one = layout_input("> ", kHan + kHan + kHan, "", 20);
  ASSERT_EQ(one.rows.size(), 1u);
  EXPECT_EQ(erase_input(one, 3), "\x1b[3A\r\x1b[J");
  // The cursor before the last character: on the row of the one before it.
  const InputLayout inside = layout_input("> ", kHan + kHan, kHan, 20);
  EXPECT_EQ(erase_input(inside, 3), "\x1b[2A\r\x1b[J");
}

TEST(InputArea, UnknownWidthIsOneRow) {
  const InputLayout l = layout_input("> ", std::string(300, 'x'), "", 0);
  EXPECT_EQ(l.rows.size(), 1u);
  EXPECT_EQ(l.cursor_column, 302u);
}

}  // namespace
}  // namespace chat::client
