#include "client/line_editor.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "client/graphemes.h"

namespace chat::client {
namespace {

const std::string kThumbsUpMediumSkin = "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd";  // U+1F44D U+1F3FD
const std::string kHanJamo =
    "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab";  // 한 as jamo: U+1112 1161 11AB
const std::string kHan = "\xed\x95\x9c";     // 한, U+D55C
const std::string kEAcute = "e\xcc\x81";     // e + U+0301

constexpr std::string_view kLeft = "\x1b[D";
constexpr std::string_view kRight = "\x1b[C";
constexpr std::string_view kUp = "\x1b[A";
constexpr std::string_view kDown = "\x1b[B";
constexpr std::string_view kHome = "\x1b[H";
constexpr std::string_view kEnd = "\x1b[F";
constexpr std::string_view kDeleteKey = "\x1b[3~";

std::vector<std::string> feed_all(LineEditor& editor, std::string_view bytes) {
  std::vector<std::string> lines;
  for (const char c : bytes) {
    if (auto line = editor.feed(c)) {
      lines.push_back(*line);
    }
  }
  return lines;
}

TEST(Graphemes, ClustersAreWholeCharactersAsPeopleSeeThem) {
  for (const std::string& cluster : {kThumbsUpMediumSkin, kHanJamo, kHan, kEAcute}) {
    const std::string text = "a" + cluster + "b";
    EXPECT_EQ(next_grapheme(text, 1), 1 + cluster.size()) << cluster;
    EXPECT_EQ(previous_grapheme(text, 1 + cluster.size()), 1u) << cluster;
  }
  EXPECT_EQ(next_grapheme("a\xff"
                          "b",
                          1),
            2u);  // a byte that is not UTF-8 stands alone
}

TEST(Graphemes, WideCharactersTakeTwoColumns) {
  EXPECT_EQ(text_columns("abc"), 3u);
  EXPECT_EQ(text_columns(kHan), 2u);
  EXPECT_EQ(text_columns(kHanJamo), 2u);
  EXPECT_EQ(text_columns(kThumbsUpMediumSkin), 2u);
  EXPECT_EQ(text_columns(kEAcute), 1u);
  EXPECT_EQ(text_columns("\xe2\x9d\xa4\xef\xb8\x8f"), 2u);  // ❤ + VS16: an emoji
}

TEST(LineEditorKeys, BackspaceErasesAWholeCluster) {
  for (const std::string& cluster : {kThumbsUpMediumSkin, kHanJamo, kEAcute}) {
    LineEditor editor;
    feed_all(editor, "x" + cluster + "\x7f");
    EXPECT_EQ(editor.buffer(), "x") << cluster;
  }
}

TEST(LineEditorKeys, ArrowsMoveByClusterAndTypingInserts) {
  LineEditor editor;
  feed_all(editor, "a" + kThumbsUpMediumSkin + "c");
  feed_all(editor, std::string(kLeft) + std::string(kLeft) + "B");
  EXPECT_EQ(editor.buffer(), "aB" + kThumbsUpMediumSkin + "c");
  feed_all(editor, std::string(kRight) + "D");
  EXPECT_EQ(editor.buffer(), "aB" + kThumbsUpMediumSkin + "Dc");
  feed_all(editor, "\x1bOD\x1bOD\x7f");  // SS3 arrows too; Backspace at the cursor
  EXPECT_EQ(editor.buffer(), "a" + kThumbsUpMediumSkin + "Dc");
}

TEST(LineEditorKeys, HomeEndAndTheirControlKeys) {
  LineEditor editor;
  feed_all(editor, "middle");
  feed_all(editor, std::string(kHome) + "<");
  feed_all(editor, std::string(kEnd) + ">");
  EXPECT_EQ(editor.buffer(), "<middle>");
  feed_all(editor, "\x01[\x05]");  // Ctrl+A, Ctrl+E
  EXPECT_EQ(editor.buffer(), "[<middle>]");
  feed_all(editor, "\x1b[1~(\x1b[4~)");  // the VT220 Home and End
  EXPECT_EQ(editor.buffer(), "([<middle>])");
}

TEST(LineEditorKeys, KillKeysAndDelete) {
  LineEditor editor;
  feed_all(editor, "one two  three");
  feed_all(editor, "\x17");  // Ctrl+W: the word before the cursor
  EXPECT_EQ(editor.buffer(), "one two  ");
  feed_all(editor, "\x17");  // and the spaces after the word before it
  EXPECT_EQ(editor.buffer(), "one ");
  feed_all(editor, "four five");
  feed_all(editor, std::string(kHome) + std::string(kRight) + std::string(kRight));
  feed_all(editor, "\x0b");  // Ctrl+K: to the end
  EXPECT_EQ(editor.buffer(), "on");
  feed_all(editor, "\x15");  // Ctrl+U: to the start
  EXPECT_EQ(editor.buffer(), "");
  feed_all(editor, "a" + kHan + "b" + std::string(kHome) + std::string(kRight));
  feed_all(editor, std::string(kDeleteKey));
  EXPECT_EQ(editor.buffer(), "ab");
  feed_all(editor, "\x04");  // Ctrl+D on a line: Delete
  EXPECT_EQ(editor.buffer(), "a");
  EXPECT_FALSE(editor.eof());
}

TEST(LineEditorKeys, UpAndDownWalkTheHistoryAndKeepTheDraft) {
  LineEditor editor;
  editor.add_history("first");
  editor.add_history("second");
  feed_all(editor, "draft");
  feed_all(editor, kUp);
  EXPECT_EQ(editor.buffer(), "second");
  feed_all(editor, kUp);
  feed_all(editor, kUp);  // no older line: stays
  EXPECT_EQ(editor.buffer(), "first");
  feed_all(editor, kDown);
  EXPECT_EQ(editor.buffer(), "second");
  feed_all(editor, kDown);
  EXPECT_EQ(editor.buffer(), "draft");
  feed_all(editor, std::string(kUp) + "!");
  EXPECT_EQ(feed_all(editor, "\r"), std::vector<std::string>{"second!"});
}

TEST(LineEditorKeys, NoHistoryWhileItIsOff) {
  LineEditor editor;
  editor.add_history("visible");
  editor.set_history_enabled(false);
  feed_all(editor, kUp);
  EXPECT_EQ(editor.buffer(), "");
}

TEST(LineEditorKeys, HistoryIsBounded) {
  LineEditor editor;
  for (std::size_t i = 0; i < LineEditor::kHistoryLines + 10; ++i) {
    editor.add_history("line " + std::to_string(i));
  }
  for (std::size_t i = 0; i < LineEditor::kHistoryLines + 10; ++i) {
    feed_all(editor, kUp);
  }
  EXPECT_EQ(editor.buffer(), "line 10");
}

TEST(LineEditorKeys, AltDigitIsReported) {
  LineEditor editor;
  feed_all(editor,
           "x\x1b"
           "3");
  EXPECT_EQ(editor.take_alt_digit(), 3);
  EXPECT_EQ(editor.take_alt_digit(), std::nullopt);
  EXPECT_EQ(editor.buffer(), "x");
}

// Escape pressed alone, then a digit typed later: the digit is typed, not taken as Alt+digit.
TEST(LineEditorKeys, EscapeThenADigitAfterAPauseIsTyped) {
  LineEditor editor;
  feed_all(editor, "\x1b");
  editor.input_paused();
  feed_all(editor, "1st");
  EXPECT_EQ(editor.take_alt_digit(), std::nullopt);
  EXPECT_EQ(editor.buffer(), "1st");
  feed_all(editor, "\x1b[");  // a sequence begun is not cut by a pause
  editor.input_paused();
  feed_all(editor, "D");
  EXPECT_EQ(editor.cursor(), 2u);
}

// A full line takes no more, and never a part of a character: 😀 (4 bytes) does not fit in 3.
TEST(LineEditorLimit, AFullLineDropsWholeCharactersAndSaysSo) {
  LineEditor editor;
  editor.set_max_bytes(6);
  for (const char c : std::string_view("abc\xf0\x9f\x98\x80"
                                       "de")) {
    editor.feed(c);
  }
  EXPECT_EQ(editor.buffer(), "abcde");
  EXPECT_TRUE(editor.take_dropped());
  EXPECT_FALSE(editor.take_dropped());
  editor.feed('f');
  EXPECT_EQ(editor.buffer(), "abcdef");
  editor.feed('g');
  EXPECT_EQ(editor.buffer(), "abcdef");
  EXPECT_TRUE(editor.take_dropped());
}

}  // namespace
}  // namespace chat::client
