// Windows console input records -> UTF-8 text, key events and resize events. Runs on every
// platform (the decoder has no Windows types); terminal_windows.cpp feeds it ReadConsoleInputW's
// records, where reading bytes with ReadFile lost every character outside the console's code page.
#include "client/console_input_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chat::client::console_input {
namespace {

KeyRecord typed(char16_t unit, bool down = true) {
  KeyRecord key;
  key.key_down = down;
  key.unicode_char = unit;
  return key;
}

struct Decoded {
  std::string text;
  std::vector<Event> events;
};

Decoded decode(const std::vector<InputRecord>& records) {
  Decoder decoder;
  Decoded out;
  for (const InputRecord& record : records) {
    decoder.feed(record, out.text, out.events);
  }
  return out;
}

TEST(ConsoleInput, AsciiKeyDownsAreTheirCharactersAndKeyUpsNothing) {
  const Decoded d = decode({typed(u'h'), typed(u'h', false), typed(u'i'), typed(u'i', false)});
  EXPECT_EQ(d.text, "hi");
  EXPECT_TRUE(d.events.empty());
}

TEST(ConsoleInput, NonAsciiCharactersBecomeUtf8) {
  const Decoded d = decode({typed(u'\u00e9'), typed(u'\u20ac'), typed(u'\u4e2d')});
  EXPECT_EQ(d.text, "\xc3\xa9\xe2\x82\xac\xe4\xb8\xad");  // é € 中
}

TEST(ConsoleInput, ASurrogatePairIsOneCharacterEvenAcrossReads) {
  Decoder decoder;
  std::string text;
  std::vector<Event> events;
  decoder.feed(typed(u'\xd83d'), text, events);  // U+1F600's high half...
  EXPECT_EQ(text, "");
  decoder.feed(typed(u'\xde00'), text, events);  // ...and its low half, in the next read
  EXPECT_EQ(text, "\xf0\x9f\x98\x80");
  EXPECT_TRUE(events.empty());
}

TEST(ConsoleInput, LoneSurrogatesBecomeTheReplacementCharacter) {
  EXPECT_EQ(decode({typed(u'\xd83d'), typed(u'a')}).text,
            "\xef\xbf\xbd"
            "a");
  EXPECT_EQ(decode({typed(u'\xde00')}).text, "\xef\xbf\xbd");
  EXPECT_EQ(decode({typed(u'\xd83d'), typed(u'\xd83d'), typed(u'\xde00')}).text,
            "\xef\xbf\xbd\xf0\x9f\x98\x80");
}

TEST(ConsoleInput, AHeldKeyTypesItsRepeatCount) {
  KeyRecord key = typed(u'x');
  key.repeat_count = 3;
  EXPECT_EQ(decode({key}).text, "xxx");
}

TEST(ConsoleInput, AltNumpadCompositionComesWithTheAltRelease) {
  KeyRecord alt_up = typed(u'\u00e9', false);
  alt_up.virtual_key = kVirtualKeyAlt;
  EXPECT_EQ(decode({alt_up}).text, "\xc3\xa9");
}

TEST(ConsoleInput, AltDigitIsTypedAsEscapeAndTheDigitButAltGrAndTheNumpadAreNot) {
  KeyRecord alt_2 = typed(u'2');
  alt_2.virtual_key = '2';
  alt_2.control_keys = 0x0002;  // LEFT_ALT_PRESSED
  KeyRecord right_alt_3 = typed(u'3');
  right_alt_3.virtual_key = '3';
  right_alt_3.control_keys = 0x0001;  // RIGHT_ALT_PRESSED
  EXPECT_EQ(decode({alt_2, typed(u'2', false), right_alt_3}).text,
            "\x1b"
            "2\x1b"
            "3");
  // AltGr (right Alt with left Ctrl) types what the keyboard puts there, as it is.
  KeyRecord altgr = typed(u'2');
  altgr.virtual_key = '2';
  altgr.control_keys = 0x0001 | 0x0008;
  EXPECT_EQ(decode({altgr}).text, "2");
  // A numpad digit with Alt held is part of an Alt+numpad composition, not a room.
  KeyRecord numpad = typed(u'1');
  numpad.virtual_key = 0x61;  // VK_NUMPAD1
  numpad.control_keys = 0x0002;
  EXPECT_EQ(decode({numpad}).text, "1");
}

TEST(ConsoleInput, KeysThatTypeNothingAreKeyEventsInOrder) {
  KeyRecord left;
  left.key_down = true;
  left.virtual_key = 0x25;     // VK_LEFT
  left.control_keys = 0x0008;  // LEFT_CTRL_PRESSED
  KeyRecord left_up = left;
  left_up.key_down = false;
  const Decoded d = decode({left, typed(u'a'), left_up});
  EXPECT_EQ(d.text, "a");
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[0], Event(KeyEvent{true, 0x25, 0x0008}));
  EXPECT_EQ(d.events[1], Event(KeyEvent{false, 0x25, 0x0008}));
}

TEST(ConsoleInput, ResizesAreEventsAndOtherRecordsNothing) {
  const Decoded d = decode({ResizeRecord{120, 40}, OtherRecord{}, ResizeRecord{80, 25}});
  EXPECT_EQ(d.text, "");
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[0], Event(ResizeEvent{120, 40}));
  EXPECT_EQ(d.events[1], Event(ResizeEvent{80, 25}));
}

TEST(ConsoleInput, AppendUtf8CoversEveryLengthAndRejectsWhatIsNoCharacter) {
  std::string out;
  append_utf8(U'A', out);
  append_utf8(U'\u07ff', out);
  append_utf8(U'\uffff', out);
  append_utf8(U'\U0010ffff', out);
  EXPECT_EQ(out, "A\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf");
  out.clear();
  append_utf8(0xD800, out);
  append_utf8(0x110000, out);
  EXPECT_EQ(out, "\xef\xbf\xbd\xef\xbf\xbd");
}

}  // namespace
}  // namespace chat::client::console_input
