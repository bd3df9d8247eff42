#include "client/ordered_console.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/fake_terminal.h"

namespace chat::client {
namespace {

OrderedConsole::Options fake_options(bool interactive, FakeScreen& screen, FakeKeyboard& keys) {
  OrderedConsole::Options options;
  options.interactive = interactive;
  options.write = screen.writer();
  options.read = keys.reader();
  return options;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// ---- LineEditor ----

std::vector<std::string> feed_all(LineEditor& editor, std::string_view bytes) {
  std::vector<std::string> lines;
  for (char byte : bytes) {
    if (std::optional<std::string> line = editor.feed(byte)) {
      lines.push_back(*line);
    }
  }
  return lines;
}

TEST(LineEditor, TypingAppends) {
  LineEditor editor;
  EXPECT_TRUE(feed_all(editor, "hi there").empty());
  EXPECT_EQ(editor.buffer(), "hi there");
}

TEST(LineEditor, BackspaceRemovesLastAsciiChar) {
  LineEditor editor;
  feed_all(editor, "abc\x7f");
  EXPECT_EQ(editor.buffer(), "ab");
  feed_all(editor, "\x08");
  EXPECT_EQ(editor.buffer(), "a");
  feed_all(editor, "\x7f\x7f\x7f");  // extra backspaces on an empty line do nothing
  EXPECT_EQ(editor.buffer(), "");
}

TEST(LineEditor, BackspaceRemovesWholeMultibyteCodePoint) {
  LineEditor editor;
  feed_all(editor, "a\xc3\xa9\xf0\x9f\x98\x80");  // a é 😀
  feed_all(editor, "\x7f");
  EXPECT_EQ(editor.buffer(), "a\xc3\xa9");
  feed_all(editor, "\x7f");
  EXPECT_EQ(editor.buffer(), "a");
}

TEST(LineEditor, CtrlUClearsTheLine) {
  LineEditor editor;
  feed_all(editor, "some text\x15x");
  EXPECT_EQ(editor.buffer(), "x");
}

TEST(LineEditor, EnterYieldsTheLineAndClearsTheBuffer) {
  LineEditor editor;
  EXPECT_EQ(feed_all(editor, "one\r"), std::vector<std::string>{"one"});
  EXPECT_EQ(editor.buffer(), "");
  EXPECT_EQ(feed_all(editor, "two\n\n"), (std::vector<std::string>{"two", ""}));
  EXPECT_EQ(feed_all(editor, "three\r\nfour\r\n"), (std::vector<std::string>{"three", "four"}));
  EXPECT_EQ(editor.buffer(), "");
}

TEST(LineEditor, CtrlDOnEmptyLineIsEof) {
  LineEditor editor;
  feed_all(editor, "\x04");
  EXPECT_TRUE(editor.eof());
  EXPECT_TRUE(feed_all(editor, "late\r").empty());  // ignored once at EOF
}

TEST(LineEditor, CtrlDOnNonEmptyLineIsIgnored) {
  LineEditor editor;
  feed_all(editor, "ab\x04");
  EXPECT_FALSE(editor.eof());
  EXPECT_EQ(editor.buffer(), "ab");
  EXPECT_EQ(feed_all(editor, "c\r"), std::vector<std::string>{"abc"});
}

TEST(LineEditor, EscapeSequencesAndOtherControlsInsertNothing) {
  LineEditor editor;
  // Up (CSI), Right (SS3), Delete (CSI 3 ~), F5 (CSI 15 ~), Alt+x, Tab, Ctrl+L.
  feed_all(editor, "a\x1b[Ab\x1bOCc\x1b[3~\x1b[15~\x1bxd\t\x0c");
  EXPECT_EQ(editor.buffer(), "abcd");
}

TEST(LineEditor, ControlByteEndsABrokenEscapeSequence) {
  LineEditor editor;
  EXPECT_EQ(feed_all(editor, "hi\x1b[1\r"), std::vector<std::string>{"hi"});
}

// ---- OrderedConsole, non-interactive ----

// Splits "t<thread> <index> <tail>" (what the threads below print); false when `line` is not
// that shape. std::from_chars, not sscanf: MSVC deprecates sscanf (C4996).
bool parse_numbered_line(std::string_view line, int& thread, int& index, std::string& tail) {
  if (!line.starts_with('t')) {
    return false;
  }
  const char* const end = line.data() + line.size();
  auto [after_thread, thread_error] = std::from_chars(line.data() + 1, end, thread);
  if (thread_error != std::errc{} || after_thread == end || *after_thread != ' ') {
    return false;
  }
  auto [after_index, index_error] = std::from_chars(after_thread + 1, end, index);
  if (index_error != std::errc{} || after_index == end || *after_index != ' ') {
    return false;
  }
  tail.assign(after_index + 1, end);
  return !tail.empty() && tail.find(' ') == std::string::npos;
}

TEST(OrderedConsolePlain, PrintsBareLinesInOrderFromManyThreads) {
  constexpr int kThreads = 4;
  constexpr int kLines = 500;
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(false, screen, keys));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&console, t] {
      for (int i = 0; i < kLines; ++i) {
        console.print("t" + std::to_string(t) + " " + std::to_string(i) + " " +
                      std::string(40, static_cast<char>('a' + t)));
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  console.flush();

  for (const std::string& write : screen.writes()) {
    ASSERT_FALSE(write.empty());
    EXPECT_EQ(write.back(), '\n') << "a write ended mid-line";
  }
  const std::string all = screen.all();
  EXPECT_EQ(all.find('\x1b'), std::string::npos);
  const std::vector<std::string> lines = split_lines(all);
  ASSERT_EQ(lines.size(), std::size_t{kThreads * kLines});
  std::array<int, kThreads> next{};
  for (const std::string& line : lines) {
    int t = -1;
    int i = -1;
    std::string tail;
    ASSERT_TRUE(parse_numbered_line(line, t, i, tail)) << line;
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(i, next[t]++) << "thread " << t << " out of order";
    EXPECT_EQ(tail, std::string(40, static_cast<char>('a' + t))) << line;
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(next[t], kLines);
  }
}

TEST(OrderedConsolePlain, EscapesPrintedLines) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(false, screen, keys));
  console.print("evil\x1b[2J\nline\r\xe2\x80\xae!\xe2\x80\xa8x\xff");  // U+202E, U+2028
  console.flush();
  EXPECT_EQ(screen.all(), "evil\\x1b[2J\\nline\\r\\u202E!\\u2028x\\xff\n");
}

TEST(OrderedConsolePlain, KeepsOrdinaryTextAndEmojiSequences) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(false, screen, keys));
  // Korean, "woman technologist" (U+1F469 U+200D U+1F4BB), a backslash.
  const std::string text = "안녕 \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb C:\\dir";
  console.print(text);
  console.flush();
  EXPECT_EQ(screen.all(), text + "\n");
}

TEST(OrderedConsolePlain, WithoutAWidthALongLineIsOneRow) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(false, screen, keys));
  const std::string line = "[lobby] <bob> " + std::string(300, 'x');
  console.print(line);
  console.flush();
  EXPECT_EQ(screen.all(), line + "\n") << "piped output: one line per message, for scripts";
}

TEST(OrderedConsolePlain, WithAWidthALongLineIsWrappedWithIndentedRows) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole::Options options = fake_options(false, screen, keys);
  std::size_t columns = 20;
  options.columns = [&columns] { return columns; };
  OrderedConsole console(std::move(options));
  console.print("[lobby] <bob> 0123456789abcdefghijklmnopqrstuvwxyz");
  console.print("short");
  console.flush();
  EXPECT_EQ(screen.all(),
            "[lobby] <bob> 012345\n"
            "  6789abcdefghijklmn\n"
            "  opqrstuvwxyz\n"
            "short\n");
  columns = 0;  // asked again for each write: a resized (here: unknown) width applies
  console.print(std::string(30, 'y'));
  console.flush();
  EXPECT_EQ(screen.writes().back(), std::string(30, 'y') + "\n");
}

TEST(OrderedConsolePlain, DestructorWritesEverythingQueued) {
  FakeScreen screen;
  FakeKeyboard keys;
  {
    OrderedConsole console(fake_options(false, screen, keys));
    for (int i = 0; i < 100; ++i) {
      console.print(std::to_string(i));
    }
  }
  const std::vector<std::string> lines = split_lines(screen.all());
  ASSERT_EQ(lines.size(), 100u);
  EXPECT_EQ(lines.front(), "0");
  EXPECT_EQ(lines.back(), "99");
}

TEST(OrderedConsolePlain, ReadLineSplitsCrLfAndLfAndKeepsUnterminatedLastLine) {
  for (bool byte_by_byte : {false, true}) {
    FakeScreen screen;
    FakeKeyboard keys;
    const std::string input = "a\r\nb\nc";
    if (byte_by_byte) {
      for (char byte : input) {
        keys.push(std::string(1, byte));
      }
    } else {
      keys.push(input);
    }
    keys.close();
    OrderedConsole console(fake_options(false, screen, keys));
    EXPECT_EQ(console.read_line(), "a");
    EXPECT_EQ(console.read_line(), "b");
    EXPECT_EQ(console.read_line(), "c");
    EXPECT_EQ(console.read_line(), std::nullopt);
    EXPECT_EQ(console.read_line(), std::nullopt);
    console.flush();
    EXPECT_EQ(screen.all(), "");  // no prompt, no echo
  }
}

TEST(OrderedConsolePlain, ReadLineReturnsEmptyLines) {
  FakeScreen screen;
  FakeKeyboard keys;
  keys.push("\n\r\nx\n");
  keys.close();
  OrderedConsole console(fake_options(false, screen, keys));
  EXPECT_EQ(console.read_line(), "");
  EXPECT_EQ(console.read_line(), "");
  EXPECT_EQ(console.read_line(), "x");
  EXPECT_EQ(console.read_line(), std::nullopt);
}

// ---- OrderedConsole, interactive ----

// Runs read_line() on its own thread, as the client's input thread does.
class InteractiveConsoleTest : public ::testing::Test {
 protected:
  void start_reading() {
    reader_ = std::thread([this] { line_ = console_.read_line(); });
  }
  std::optional<std::string> finish_reading() {
    reader_.join();
    return line_;
  }
  void TearDown() override {
    keys_.close();
    if (reader_.joinable()) {
      reader_.join();
    }
  }

  FakeScreen screen_;
  FakeKeyboard keys_;
  OrderedConsole console_{fake_options(true, screen_, keys_)};
  std::thread reader_;
  std::optional<std::string> line_;
};

TEST_F(InteractiveConsoleTest, PrintRedrawsPromptAndPartialInputInOneWrite) {
  keys_.push("ab");
  start_reading();
  keys_.wait_for_reads(2);  // "ab" consumed and echoed; blocked for more
  console_.print("hello");
  console_.flush();
  EXPECT_EQ(screen_.writes(), (std::vector<std::string>{"> ", "ab", "\r\x1b[Khello\n> ab"}));

  keys_.push("\r");
  EXPECT_EQ(finish_reading(), "ab");
  EXPECT_EQ(screen_.writes().back(), "\r\x1b[K> ");  // the sent line leaves the prompt line
}

TEST_F(InteractiveConsoleTest, BackspaceRedrawsTheInputLine) {
  keys_.push("a\xc3\xa9");
  start_reading();
  keys_.wait_for_reads(2);
  keys_.push("\x7f");
  keys_.wait_for_reads(3);
  EXPECT_EQ(screen_.writes().back(), "\r\x1b[K> a");
  keys_.push("z\n");
  EXPECT_EQ(finish_reading(), "az");
}

TEST_F(InteractiveConsoleTest, PastedLinesAreReturnedOneByOne) {
  keys_.push("one\ntwo\nthr");
  start_reading();
  EXPECT_EQ(finish_reading(), "one");
  EXPECT_EQ(console_.read_line(), "two");
  EXPECT_EQ(keys_.reads_started(), 1);  // "two" came from the same chunk
  keys_.push("ee\r");
  EXPECT_EQ(console_.read_line(), "three");
}

TEST_F(InteractiveConsoleTest, CtrlDOnEmptyLineEndsInput) {
  keys_.push("x\x7f\x04");
  start_reading();
  EXPECT_EQ(finish_reading(), std::nullopt);
  EXPECT_EQ(console_.read_line(), std::nullopt);
  EXPECT_EQ(keys_.reads_started(), 1);  // EOF is sticky: no further reads
}

TEST_F(InteractiveConsoleTest, SetPromptRedrawsWithCurrentInput) {
  keys_.push("hi");
  start_reading();
  keys_.wait_for_reads(2);
  console_.set_prompt("#room\x1b> ");
  EXPECT_EQ(screen_.writes().back(), "\r\x1b[K#room\\x1b> hi");
  console_.print("msg");
  console_.flush();
  EXPECT_EQ(screen_.writes().back(), "\r\x1b[Kmsg\n#room\\x1b> hi");
}

// An input line three rows long: a message erases all three (not only the last, which left a
// copy of the others at every message) and draws them again below it.
TEST(OrderedConsoleInteractive, ALongInputLineIsErasedWholeBeforeEachMessage) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole::Options options = fake_options(true, screen, keys);
  options.columns = [] { return std::size_t{10}; };
  OrderedConsole console(options);
  std::thread reader([&] { console.read_line(); });
  keys.push(std::string(25, 'a'));
  keys.wait_for_reads(2);  // the typed chunk was drawn
  console.print("msg");
  console.flush();
  EXPECT_EQ(screen.writes().back(),
            "\x1b[2A\r\x1b[J"
            "msg\n"
            "> aaaaaaaa\r\naaaaaaaaaa\r\naaaaaaa");
  keys.push("\x15");  // Ctrl+U erases the wrapped rows too
  keys.wait_for_reads(3);
  EXPECT_EQ(screen.writes().back(), "\x1b[2A\r\x1b[J> ");
  keys.close();
  reader.join();
}

// After a resize the input is drawn again for the new width, its old rows counted as the
// terminal rewrapped them.
TEST(OrderedConsoleInteractive, AResizeRedrawsTheInputForTheNewWidth) {
  FakeScreen screen;
  FakeKeyboard keys;
  std::atomic<std::size_t> width{20};
  OrderedConsole::Options options = fake_options(true, screen, keys);
  options.columns = [&] { return width.load(); };
  OrderedConsole console(options);
  std::thread reader([&] { console.read_line(); });
  keys.push(std::string(30, 'b'));  // "> " + 30: rows of 20 and 12
  keys.wait_for_reads(2);
  width = 6;  // the old rows, 20 and 12 columns, rewrapped: 4 and 2 rows, the cursor on the 6th
  keys.push_resize();
  keys.wait_for_reads(3);
  EXPECT_EQ(screen.writes().back(),
            "\x1b[6A\r\x1b[J"
            "> bbbb\r\nbbbbbb\r\nbbbbbb\r\nbbbbbb\r\nbbbbbb\r\nbb");
  keys.close();
  reader.join();
}

TEST(OrderedConsoleInteractive, AGivenBackLineIsEditedFurther) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(true, screen, keys));
  console.give_back("too long\x1b[2J");
  keys.push(
      "\x7f\x7f\x7f"
      "er\r");  // the "[2J" left of the escape, then more
  EXPECT_EQ(console.read_line(), "too longer");
  EXPECT_NE(screen.all().find("> too long[2J"), std::string::npos) << screen.all();
}

TEST(OrderedConsolePlain, AGivenBackLineIsDropped) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(false, screen, keys));
  console.give_back("too long");
  keys.push("next\n");
  EXPECT_EQ(console.read_line(), "next");
}

// Every message sets the prompt: one that did not change draws nothing (no flicker).
TEST_F(InteractiveConsoleTest, AnUnchangedPromptIsNotDrawnAgain) {
  keys_.push("hi");
  start_reading();
  keys_.wait_for_reads(2);
  console_.set_prompt("[lobby] > ");
  const std::size_t writes = screen_.writes().size();
  console_.set_prompt("[lobby] > ");
  console_.set_prompt("[lobby] > ");
  EXPECT_EQ(screen_.writes().size(), writes);
  console_.set_prompt("[games] > ");
  EXPECT_EQ(screen_.writes().back(), "\r\x1b[K[games] > hi");
}

// A question (ask()) stays on the screen until answered, whatever prompt a message sets
// meanwhile; the prompt comes back with the answer.
TEST(OrderedConsoleInteractive, AQuestionStaysUntilAnswered) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(true, screen, keys));
  std::optional<std::string> answer;
  std::thread asker([&] { answer = console.ask("password: ", true); });
  ASSERT_TRUE(screen.wait_for_text("password: ", std::chrono::seconds(10)));
  keys.push("se");
  keys.wait_for_reads(2);
  console.set_prompt("[lobby] > ");  // a message arrived: the room prompt changes
  console.print("[lobby] <bob> hi");
  console.flush();
  EXPECT_EQ(screen.writes().back(), "\r\x1b[K[lobby] <bob> hi\npassword: **");
  keys.push("cret\r");
  asker.join();
  EXPECT_EQ(answer, "secret");
  EXPECT_EQ(screen.writes().back(), "\r\x1b[K[lobby] > ");
  keys.close();
}

// A paste whose first line is given back (too long): the lines after it are neither joined to
// it nor lost; they are read, in order, once it is sent.
TEST(OrderedConsoleInteractive, LinesPastedAfterAGivenBackLineWaitForIt) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(true, screen, keys));
  keys.push("far too long\rsecond\r\nthird\rfou");
  EXPECT_EQ(console.read_line(), "far too long");
  EXPECT_EQ(console.give_back("far too long"), 3u);  // second, third, and "fou" begun
  keys.push("\x7f\x7f\x7f\x7f\x7f\r");
  EXPECT_EQ(console.read_line(), "far too");
  EXPECT_EQ(console.read_line(), "second");
  EXPECT_EQ(console.read_line(), "third");
  keys.push("r\r");
  EXPECT_EQ(console.read_line(), "four");
  keys.close();
}

// Lines held behind a given-back line, or released and not read yet, are counted when dropped.
TEST(OrderedConsoleInteractive, HeldLinesDroppedAtTheEndAreCounted) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(true, screen, keys));
  keys.push("far too long\r\nsecond\r\nthird\r\n");
  EXPECT_EQ(console.read_line(), "far too long");
  EXPECT_EQ(console.give_back("far too long"), 2u);
  keys.push("\x15/quit\r");  // the refused line given up for a /quit
  EXPECT_EQ(console.read_line(), "/quit");
  EXPECT_EQ(console.drop_held(), 2u) << "released, not read";
  EXPECT_EQ(console.drop_held(), 0u);

  keys.push("too long again\rfourth\r");
  EXPECT_EQ(console.read_line(), "too long again");
  EXPECT_EQ(console.give_back("too long again"), 1u);
  EXPECT_EQ(console.drop_held(), 1u) << "still held: the input ended";
  keys.close();
}

// A paste with CR LF line ends: the LF of the refused line's CR LF is not counted as a line.
TEST(OrderedConsoleInteractive, HeldLinesOfACrLfPasteAreCountedOnce) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(true, screen, keys));
  keys.push("far too long\r\nsecond\r\n");
  EXPECT_EQ(console.read_line(), "far too long");
  EXPECT_EQ(console.give_back("far too long"), 1u);
  keys.push("\r");
  EXPECT_EQ(console.read_line(), "far too long");
  EXPECT_EQ(console.read_line(), "second");
  keys.close();
}

// The client keeps lines that carry a password out of the history.
TEST(OrderedConsoleInteractive, LinesTheFilterRefusesAreNotKeptForUp) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole::Options options = fake_options(true, screen, keys);
  options.keep_in_history = [](std::string_view line) { return !line.starts_with("/register"); };
  OrderedConsole console(options);
  keys.push("hello\r/register hunter22\r");
  EXPECT_EQ(console.read_line(), "hello");
  EXPECT_EQ(console.read_line(), "/register hunter22");
  keys.push("\x1b[A\r");  // Up: the line before the password's
  EXPECT_EQ(console.read_line(), "hello");
  keys.close();
}

// A paste past the input limit: the line keeps what fits, and a line says the rest was dropped.
TEST(OrderedConsoleInteractive, TheInputLineIsCappedAndSaysSo) {
  for (const bool interactive : {true, false}) {
    SCOPED_TRACE(interactive);
    FakeScreen screen;
    FakeKeyboard keys;
    OrderedConsole console(fake_options(interactive, screen, keys));
    console.set_input_limit(100);
    keys.push(std::string(3000, 'z'));
    keys.push(std::string(3000, 'z') + "\r\n");
    EXPECT_EQ(console.read_line(), std::string(100, 'z'));
    console.flush();
    EXPECT_NE(screen.all().find("! the input line is full (100 bytes at most): the rest of it "
                                "is dropped"),
              std::string::npos);
    keys.close();
  }
}

// Read from a pipe, a line past the limit is cut before the character that does not fit whole,
// however the reads split it; nothing after the cut is taken.
TEST(OrderedConsolePlain, TheInputCapNeverSplitsACharacter) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole console(fake_options(false, screen, keys));
  console.set_input_limit(10);
  keys.push("abcdefgh\xE2\x82\xAC!\n");  // the euro sign would end at byte 11
  keys.push("abcdefghi\xE2");            // a read splits it after its first byte...
  keys.push(
      "\x82\xAC"
      "z\n");                                                       // ...and the rest would fit
  keys.push("\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D\n");  // three thumbs up
  EXPECT_EQ(console.read_line(), "abcdefgh");
  EXPECT_EQ(console.read_line(), "abcdefghi");
  EXPECT_EQ(console.read_line(), "\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D");
  keys.close();
}

// Alt+digit is ESC and the digit in one read (or the digit within escape_key_wait); Esc, then a
// digit in a later read, types the digit.
TEST(OrderedConsoleInteractive, OnlyEscAndADigitInOneReadAreAltDigit) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole::Options options = fake_options(true, screen, keys);
  options.escape_key_wait = std::chrono::milliseconds(0);  // any later read is too late
  std::vector<int> digits;
  options.on_alt_digit = [&](int digit) { digits.push_back(digit); };
  OrderedConsole console(options);
  keys.push("\x1b");
  keys.push("1st\r");
  EXPECT_EQ(console.read_line(), "1st");
  EXPECT_TRUE(digits.empty());
  keys.push(
      "\x1b"
      "2ok\r");
  EXPECT_EQ(console.read_line(), "ok");
  EXPECT_EQ(digits, std::vector<int>{2});
  keys.close();
}

// Esc, then the digit soon after (a terminal without Alt): still Alt+digit.
TEST(OrderedConsoleInteractive, EscThenADigitSoonAfterIsAltDigit) {
  FakeScreen screen;
  FakeKeyboard keys;
  OrderedConsole::Options options = fake_options(true, screen, keys);
  options.escape_key_wait = std::chrono::hours(1);  // whenever the digit comes: soon enough
  std::vector<int> digits;
  options.on_alt_digit = [&](int digit) { digits.push_back(digit); };
  OrderedConsole console(options);
  keys.push("\x1b");
  keys.push("3ok\r");
  EXPECT_EQ(console.read_line(), "ok");
  EXPECT_EQ(digits, std::vector<int>{3});
  keys.close();
}

TEST(OrderedConsoleInteractive, DestructorClearsThePromptLine) {
  FakeScreen screen;
  FakeKeyboard keys;
  {
    OrderedConsole console(fake_options(true, screen, keys));
    console.print("bye");
  }
  EXPECT_EQ(screen.all(), "> \r\x1b[Kbye\n> \r\x1b[K");
}

}  // namespace
}  // namespace chat::client
