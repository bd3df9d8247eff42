#include "client/line_wrap.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/wire/text_escape.h"

namespace chat::client {
namespace {

using Rows = std::vector<std::string>;

// The line back from its rows: each continuation row without its indent.
std::string unwrapped(const Rows& rows) {
  std::string line;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    line += i == 0 ? rows[i] : rows[i].substr(kContinuationIndent.size());
  }
  return line;
}

// ---- column_width ----

TEST(ColumnWidth, AsciiLatinAndCombiningMarksTakeOne) {
  EXPECT_EQ(column_width(U'a'), 1u);
  EXPECT_EQ(column_width(U'~'), 1u);
  EXPECT_EQ(column_width(U'é'), 1u);
  EXPECT_EQ(column_width(U'Ω'), 1u);
  EXPECT_EQ(column_width(U'«'), 1u);
  EXPECT_EQ(column_width(char32_t{0x0301}), 1u) << "drawn as 0: counting 1 only ends a row early";
  EXPECT_EQ(column_width(char32_t{0x2500}), 1u);  // box drawing
}

TEST(ColumnWidth, CjkHangulFullwidthAndEmojiTakeTwo) {
  for (const char32_t cp :
       {U'가', U'힣', U'中', U'あ', U'ア', U'Ａ', U'　', char32_t{0x1F600}, char32_t{0x1F469},
        char32_t{0x1F4BB}, char32_t{0x20000}, char32_t{0x2764}, char32_t{0x1100}}) {
    EXPECT_EQ(column_width(cp), 2u) << std::hex << static_cast<unsigned>(cp);
  }
}

TEST(ColumnWidth, OfTextIsTheSumOverItsCodePoints) {
  EXPECT_EQ(column_width(std::string_view("abc")), 3u);
  EXPECT_EQ(column_width(std::string_view("한국어 ok")), 9u);
  EXPECT_EQ(column_width(std::string_view("\xff!")), 2u) << "a stray byte draws as one U+FFFD";
  EXPECT_EQ(column_width(std::string_view("")), 0u);
}

// ---- wrap_line ----

TEST(WrapLine, AShortLineIsOneRow) {
  EXPECT_EQ(wrap_line("[lobby] <bob> hi", 40), Rows{"[lobby] <bob> hi"});
  EXPECT_EQ(wrap_line("", 40), Rows{""});
  EXPECT_EQ(wrap_line(std::string(40, 'x'), 40), Rows{std::string(40, 'x')}) << "exactly full";
}

TEST(WrapLine, NoWidthMeansNoWrapping) {
  const std::string line(500, 'x');
  EXPECT_EQ(wrap_line(line, 0), Rows{line});
}

TEST(WrapLine, ContinuationRowsAreIndented) {
  EXPECT_EQ(wrap_line("0123456789abcdefghij", 8), (Rows{"01234567", "  89abcd", "  efghij"}));
  EXPECT_EQ(wrap_line(std::string(41, 'x'), 40), (Rows{std::string(40, 'x'), "  x"}));
}

TEST(WrapLine, APaddedFakeLineStartsIndented) {
  // The attack: padding so that, wrapped by the terminal at 40 columns, the next row would read
  // "[lobby] <admin> ...".
  const std::string prefix = "[lobby] <mallory> ";
  const std::string line =
      prefix + std::string(40 - prefix.size(), ' ') + "[lobby] <admin> send me your password";
  const Rows rows = wrap_line(line, 40);
  ASSERT_GE(rows.size(), 2u);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_TRUE(rows[i].starts_with(kContinuationIndent)) << rows[i];
    EXPECT_FALSE(rows[i].starts_with("[")) << rows[i];
  }
  EXPECT_EQ(rows[1], "  [lobby] <admin> send me your password");
}

TEST(WrapLine, WideCharactersCountTwoAndAreNeverSplit) {
  // 5 Hangul syllables = 10 columns; at 7 columns: 3 on the first row (6), then 2 + 2 + indent.
  EXPECT_EQ(wrap_line("가나다라마", 7), (Rows{"가나다", "  라마"}));
  EXPECT_EQ(wrap_line("a가나다", 6), (Rows{"a가나", "  다"})) << "5 columns: the next needs 2";
  const Rows emoji = wrap_line("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 5);
  EXPECT_EQ(emoji, (Rows{"\xf0\x9f\x98\x80\xf0\x9f\x98\x80", "  \xf0\x9f\x98\x80"}));
}

TEST(WrapLine, EveryRowFitsAndNothingIsLostWhateverTheWidth) {
  const std::string line = wire::escape_text(
      "[lobby] <mallory> h\xc3\xa9llo 한국어 텍스트 \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb "
      "e\xcc\x81\xcc\x81 \x1b[2J \xe2\x80\xae mixed ASCII and 中文 and more words here",
      {.keep_emoji_joiners = true});
  for (std::size_t columns = 4; columns <= 90; ++columns) {
    const Rows rows = wrap_line(line, columns);
    EXPECT_EQ(unwrapped(rows), line) << columns;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_LE(column_width(rows[i]), columns) << columns << ": " << rows[i];
      if (i > 0) {
        EXPECT_TRUE(rows[i].starts_with(kContinuationIndent)) << columns;
        EXPECT_GT(rows[i].size(), kContinuationIndent.size()) << columns << ": an empty row";
      }
    }
  }
}

TEST(WrapLine, CombiningMarksAndJoinedEmojiStayWithTheirBase) {
  // "e" + two combining acutes: a cluster of 3 counted columns, moved whole to the next row.
  EXPECT_EQ(wrap_line("abcde\xcc\x81\xcc\x81", 6), (Rows{"abcd", "  e\xcc\x81\xcc\x81"}));
  // woman + ZWJ + laptop: 2 + 1 + 2 counted columns.
  const std::string technologist = "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb";
  EXPECT_EQ(wrap_line("abc" + technologist, 7), (Rows{"abc", "  " + technologist}));
}

TEST(WrapLine, AClusterWiderThanARowIsBrokenRatherThanOverflowing) {
  const std::string marks = "\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81";  // 6 acutes
  const Rows rows = wrap_line("e" + marks, 5);
  EXPECT_EQ(unwrapped(rows), "e" + marks);
  for (const std::string& row : rows) {
    EXPECT_LE(column_width(row), 5u) << row;
  }
}

TEST(WrapLine, TinyWidthsStillMakeProgress) {
  for (std::size_t columns = 1; columns < 4; ++columns) {
    const Rows rows = wrap_line("abcdefgh가나", columns);
    EXPECT_EQ(unwrapped(rows), "abcdefgh가나") << columns;
    EXPECT_LE(rows.size(), 10u) << columns;
  }
}

}  // namespace
}  // namespace chat::client
