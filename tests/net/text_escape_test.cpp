#include "net/wire/text_escape.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "net/wire/utf8.h"

namespace chat::wire {
namespace {

// The UTF-8 encoding of one code point.
std::string utf8(char32_t cp) {
  std::string out;
  append_utf8(out, cp);
  return out;
}

// Unicode 15.0's Cc, Cf, Zl and Zp, written out again here (from UnicodeData.txt) so that a
// wrong table entry in text_escape.cpp shows up as a failing boundary.
const std::vector<std::pair<char32_t, char32_t>> kExpectedRanges = {
    {0x0000, 0x001F},   {0x007F, 0x009F},   {0x00AD, 0x00AD},   {0x0600, 0x0605},
    {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},
    {0x08E2, 0x08E2},   {0x180E, 0x180E},   {0x200B, 0x200F},   {0x2028, 0x2028},
    {0x2029, 0x2029},   {0x202A, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},
    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
    {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
    {0xE0020, 0xE007F},
};

bool expected_escaped(char32_t cp) {
  for (const auto& [first, last] : kExpectedRanges) {
    if (cp >= first && cp <= last) {
      return true;
    }
  }
  return false;
}

TEST(Utf8, AppendEncodesEachLengthAndDecodesBack) {
  // The boundaries of each encoded length, with their bytes written out by hand.
  const std::pair<char32_t, std::string> cases[] = {
      {0x41, "A"},
      {0x7F, "\x7f"},
      {0x80, "\xc2\x80"},
      {0x7FF, "\xdf\xbf"},
      {0x800, "\xe0\xa0\x80"},
      {0xD55C, "\xed\x95\x9c"},  // 한
      {0xFFFF, "\xef\xbf\xbf"},
      {0x10000, "\xf0\x90\x80\x80"},
      {0x1F44D, "\xf0\x9f\x91\x8d"},  // 👍
      {0x10FFFF, "\xf4\x8f\xbf\xbf"},
  };
  for (const auto& [cp, bytes] : cases) {
    const std::string encoded = utf8(cp);
    EXPECT_EQ(encoded, bytes) << std::hex << static_cast<std::uint32_t>(cp);
    std::size_t i = 0;
    char32_t back = 0;
    ASSERT_TRUE(next_code_point(encoded, i, back));
    EXPECT_EQ(back, cp);
    EXPECT_EQ(i, encoded.size());
  }
}

TEST(TextEscape, OrdinaryTextPassesUnchanged) {
  for (const std::string& text : {
           std::string("plain text ~!@#$%^&*()_+{}|:\"<>?`-=[];',./ and a \\ backslash"),
           std::string("안녕하세요, 세계! 한국어 문장입니다."),
           std::string("日本語のテキスト、中文文本"),
           std::string("émigré naïve façade Ωμέγα Привет"),
           std::string("e\xcc\x81 (e + combining acute)"),
           std::string("emoji: \xf0\x9f\x98\x80 \xf0\x9f\x8e\x89 \xe2\x9d\xa4\xef\xb8\x8f"),
           std::string("RTL letters stay: \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d "
                       "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85"),
           std::string(""),
       }) {
    EXPECT_EQ(escape_text(text), text);
    EXPECT_EQ(escape_text(text, {.keep_emoji_joiners = true}), text);
  }
}

TEST(TextEscape, AsciiControlsUseShortForms) {
  EXPECT_EQ(escape_text("a\tb\nc\rd"), "a\\tb\\nc\\rd");
  EXPECT_EQ(escape_text("\x1b[2J\x1b]0;title\x07"), "\\x1b[2J\\x1b]0;title\\x07");
  EXPECT_EQ(escape_text(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(escape_text("\x7f"), "\\x7f");
  EXPECT_EQ(escape_text("\x1f\x20"), "\\x1f ");
}

TEST(TextEscape, EveryAsciiControlIsEscapedAndEveryPrintableIsNot) {
  for (char32_t cp = 0; cp < 0x80; ++cp) {
    const std::string out = escape_text(utf8(cp));
    if (cp < 0x20 || cp == 0x7F) {
      EXPECT_EQ(out.front(), '\\') << std::hex << static_cast<unsigned>(cp);
      EXPECT_GE(out.size(), 2u) << std::hex << static_cast<unsigned>(cp);
    } else {
      EXPECT_EQ(out, utf8(cp));
    }
  }
}

TEST(TextEscape, C1ControlsAndOtherCodePointsUseUnicodeForms) {
  EXPECT_EQ(escape_text(utf8(0x80)), "\\u0080");
  EXPECT_EQ(escape_text(utf8(0x9B) + "31m"), "\\u009B31m");  // the one-character CSI
  EXPECT_EQ(escape_text(utf8(0x9F)), "\\u009F");
  EXPECT_EQ(escape_text("abc" + utf8(0x202E) + "cba"), "abc\\u202Ecba");
  EXPECT_EQ(escape_text(utf8(0x2028) + utf8(0x2029)), "\\u2028\\u2029");
  EXPECT_EQ(escape_text(utf8(0xFEFF)), "\\uFEFF");
  EXPECT_EQ(escape_text(utf8(0xE0001) + utf8(0xE0041)), "\\U000E0001\\U000E0041");
  EXPECT_EQ(escape_text(utf8(0x110BD)), "\\U000110BD");
}

TEST(TextEscape, BothEndsOfEveryRangeAreEscapedAndTheirNeighboursAreNot) {
  for (const auto& [first, last] : kExpectedRanges) {
    for (const char32_t cp : {first, last}) {
      EXPECT_TRUE(is_escaped_code_point(cp)) << std::hex << static_cast<unsigned>(cp);
      const std::string out = escape_text(utf8(cp));
      EXPECT_EQ(out.front(), '\\') << std::hex << static_cast<unsigned>(cp);
      EXPECT_EQ(out.find_first_not_of("\\xuUtnr0123456789abcdefABCDEF"), std::string::npos) << out;
    }
    std::vector<char32_t> neighbours{static_cast<char32_t>(last + 1)};
    if (first > 0) {
      neighbours.push_back(static_cast<char32_t>(first - 1));
    }
    for (const char32_t cp : neighbours) {
      if (expected_escaped(cp)) {
        continue;  // the next range begins right there
      }
      EXPECT_FALSE(is_escaped_code_point(cp)) << std::hex << static_cast<unsigned>(cp);
      EXPECT_EQ(escape_text(utf8(cp)), utf8(cp)) << std::hex << static_cast<unsigned>(cp);
    }
  }
}

TEST(TextEscape, TheTableAgreesWithTheListOnEveryCodePoint) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (is_escaped_code_point(cp) != expected_escaped(cp)) {
      ADD_FAILURE() << std::hex << static_cast<unsigned>(cp);
      return;
    }
  }
}

TEST(TextEscape, TheNamedAttackCharactersAreEscaped) {
  // Bidi controls, zero-width format characters, soft hyphen, tags.
  const char32_t attack[] = {0x200E, 0x200F, 0x202A, 0x202B,  0x202C,  0x202D, 0x202E,
                             0x2066, 0x2067, 0x2068, 0x2069,  0x061C,  0x200B, 0x200C,
                             0x200D, 0x2060, 0x2061, 0x2062,  0x2063,  0x2064, 0xFEFF,
                             0x00AD, 0x2028, 0x2029, 0xE0001, 0xE0020, 0xE007F};
  for (const char32_t cp : attack) {
    const std::string out = escape_text("<" + utf8(cp) + ">");
    EXPECT_TRUE(is_valid_utf8(out));
    EXPECT_EQ(out.substr(0, 2), "<\\") << std::hex << static_cast<unsigned>(cp);
    EXPECT_EQ(out.find(utf8(cp)), std::string::npos) << std::hex << static_cast<unsigned>(cp);
  }
}

TEST(TextEscape, InvalidUtf8BytesAreShownOneByOne) {
  EXPECT_EQ(escape_text("\xff"), "\\xff");
  EXPECT_EQ(escape_text("a\x80z"), "a\\x80z");       // lone continuation byte
  EXPECT_EQ(escape_text("\xe2\x9c"), "\\xe2\\x9c");  // truncated sequence
  EXPECT_EQ(escape_text("\xe2\x9c"
                        "a"),
            "\\xe2\\x9ca");                                            // ... followed by ASCII
  EXPECT_EQ(escape_text("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(escape_text("\xe0\x80\x80"), "\\xe0\\x80\\x80");           // overlong NUL
  EXPECT_EQ(escape_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // UTF-16 surrogate
  EXPECT_EQ(escape_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(escape_text("\xf8\x88\x80\x80\x80"), "\\xf8\\x88\\x80\\x80\\x80");
  // A bad byte does not swallow the good character after it.
  EXPECT_EQ(escape_text("\xc3"
                        "\xc3\xa9"),
            "\\xc3\xc3\xa9");
  EXPECT_TRUE(is_valid_utf8(escape_text("\xff\xfe\xc3\x28\xe2\x28\xa1")));
}

TEST(TextEscape, BackslashIsEscapedOnlyWhenAsked) {
  const std::string typed = "a \\u202E b";
  EXPECT_EQ(escape_text(typed), typed);
  EXPECT_EQ(escape_text(typed, {.escape_backslash = true}), "a \\\\u202E b");
  EXPECT_EQ(escape_text("\\" + utf8(0x202E), {.escape_backslash = true}), "\\\\\\u202E");
}

TEST(TextEscape, TheOutputHasNoCharacterThatWouldBeEscaped) {
  std::string everything;
  for (char32_t cp = 0; cp < 0x3000; ++cp) {
    if (cp < 0xD800 || cp > 0xDFFF) {
      everything += utf8(cp);
    }
  }
  everything += "\xff\xc0\x80";
  for (const bool keep : {false, true}) {
    const std::string out = escape_text(everything, {.keep_emoji_joiners = keep});
    ASSERT_TRUE(is_valid_utf8(out));
    std::size_t i = 0;
    char32_t cp = 0;
    while (i < out.size() && next_code_point(out, i, cp)) {
      ASSERT_FALSE(is_escaped_code_point(cp)) << std::hex << static_cast<unsigned>(cp);
    }
    EXPECT_EQ(escape_text(out), out) << "escaping again changes nothing";
  }
}

// ---- the zero width joiner in emoji ----

const std::string kZwj = utf8(0x200D);
const std::string kWoman = utf8(0x1F469);
const std::string kLaptop = utf8(0x1F4BB);

TEST(TextEscape, JoinersInEmojiSequencesAreKeptWhenAsked) {
  const EscapeOptions display{.keep_emoji_joiners = true};
  const std::string technologist = kWoman + kZwj + kLaptop;
  EXPECT_EQ(escape_text(technologist, display), technologist);
  const std::string rainbow_flag = utf8(0x1F3F3) + utf8(0xFE0F) + kZwj + utf8(0x1F308);
  EXPECT_EQ(escape_text(rainbow_flag, display), rainbow_flag);
  const std::string with_skin_tone = utf8(0x1F468) + utf8(0x1F3FD) + kZwj + kLaptop;
  EXPECT_EQ(escape_text(with_skin_tone, display), with_skin_tone);
  const std::string heart_on_fire = utf8(0x2764) + utf8(0xFE0F) + kZwj + utf8(0x1F525);
  EXPECT_EQ(escape_text(heart_on_fire, display), heart_on_fire);
  const std::string family = kWoman + kZwj + kWoman + kZwj + utf8(0x1F467);
  EXPECT_EQ(escape_text(family, display), family);
}

TEST(TextEscape, JoinersAreEscapedEverywhereElse) {
  const EscapeOptions display{.keep_emoji_joiners = true};
  EXPECT_EQ(escape_text(kWoman + kZwj + kLaptop), kWoman + "\\u200D" + kLaptop)
      << "not asked: every Cf character";
  EXPECT_EQ(escape_text("a" + kZwj + "b", display), "a\\u200Db");
  EXPECT_EQ(escape_text(kWoman + kZwj + "b", display), kWoman + "\\u200Db");
  EXPECT_EQ(escape_text("a" + kZwj + kLaptop, display), "a\\u200D" + kLaptop);
  EXPECT_EQ(escape_text(kWoman + kZwj, display), kWoman + "\\u200D");
  EXPECT_EQ(escape_text(kZwj + kLaptop, display), "\\u200D" + kLaptop);
  EXPECT_EQ(escape_text(kWoman + kZwj + kZwj + kLaptop, display),
            kWoman + "\\u200D\\u200D" + kLaptop);
  EXPECT_EQ(escape_text(kWoman + "\xff" + kZwj + kLaptop, display),
            kWoman + "\\xff\\u200D" + kLaptop);
  // Another format character between emoji is escaped: only the joiner is kept.
  EXPECT_EQ(escape_text(kWoman + utf8(0x202E) + kLaptop, display), kWoman + "\\u202E" + kLaptop);
}

// ---- the length bound ----

TEST(TextEscape, TextWithinTheBoundIsNotCut) {
  EXPECT_EQ(escape_text("hello", {.max_bytes = 5}), "hello");
  EXPECT_EQ(escape_text("hello", {.max_bytes = 100}), "hello");
  EXPECT_EQ(escape_text("a\x1b", {.max_bytes = 5}), "a\\x1b");
}

TEST(TextEscape, TheCutIsMarkedWithTheBytesLeftOut) {
  EXPECT_EQ(escape_text("hello world", {.max_bytes = 5}), "hello…(+6 bytes)");
  EXPECT_EQ(escape_text(std::string(10000, 'x'), {.max_bytes = 1}), "x…(+9999 bytes)");
}

TEST(TextEscape, TheCutNeverSplitsACharacter) {
  const std::string korean = "가나다";  // three characters of 3 bytes
  EXPECT_EQ(escape_text(korean, {.max_bytes = 3}), "가…(+6 bytes)");
  EXPECT_EQ(escape_text(korean, {.max_bytes = 4}), "가…(+6 bytes)");
  EXPECT_EQ(escape_text(korean, {.max_bytes = 5}), "가…(+6 bytes)");
  EXPECT_EQ(escape_text(korean, {.max_bytes = 6}), "가나…(+3 bytes)");
  EXPECT_EQ(escape_text(korean, {.max_bytes = 2}), "…(+9 bytes)");
  const std::string emoji = "a" + kLaptop;  // 1 + 4 bytes
  EXPECT_EQ(escape_text(emoji, {.max_bytes = 4}), "a…(+4 bytes)");
  for (std::size_t max = 1; max < 40; ++max) {
    const std::string out = escape_text("x가" + kLaptop + "é" + kWoman + "나", {.max_bytes = max});
    EXPECT_TRUE(is_valid_utf8(out)) << max;
  }
}

TEST(TextEscape, TheCutNeverSplitsAnEscape) {
  EXPECT_EQ(escape_text("ab\x1b", {.max_bytes = 4}), "ab…(+1 byte)");
  EXPECT_EQ(escape_text("ab\x1b", {.max_bytes = 6}), "ab\\x1b");
  EXPECT_EQ(escape_text("a" + utf8(0x202E) + "b", {.max_bytes = 6}), "a…(+4 bytes)");
  EXPECT_EQ(escape_text("a" + utf8(0x202E) + "b", {.max_bytes = 7}), "a\\u202E…(+1 byte)");
  EXPECT_EQ(escape_text("a\xff", {.max_bytes = 3}), "a…(+1 byte)");
}

TEST(TextEscape, TheBoundedOutputIsAtMostTheBoundPlusTheMarker) {
  std::string hostile;
  for (int i = 0; i < 1000; ++i) {
    hostile += "\x1b" + utf8(0x202E) + "\xff" + "가" + utf8(0xE0041);
  }
  for (std::size_t max = 1; max < 200; max += 7) {
    const std::string out = escape_text(hostile, {.max_bytes = max});
    EXPECT_LE(out.size(), max + kMaxCutMarkerBytes) << max;
    EXPECT_NE(out.find("…(+"), std::string::npos) << max;
    EXPECT_TRUE(is_valid_utf8(out)) << max;
  }
}

}  // namespace
}  // namespace chat::wire
