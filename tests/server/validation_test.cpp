#include "validation.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>

#include "net/wire/utf8.h"

namespace chat::server {
namespace {

TEST(ValidationTest, Utf8AcceptsValidAndRejectsEveryMalformation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xc3\x28"));          // bad continuation
}

TEST(ValidationTest, NameRules) {
  EXPECT_EQ(check_name("alice", 32), NameCheck::ok);
  EXPECT_EQ(check_name("\xc3\xa9lodie", 32), NameCheck::ok);
  EXPECT_EQ(check_name("", 32), NameCheck::empty);
  EXPECT_EQ(check_name(std::string(33, 'a'), 32), NameCheck::too_long);
  EXPECT_EQ(check_name(std::string(32, 'a'), 32), NameCheck::ok);
  EXPECT_EQ(check_name("a b", 32), NameCheck::bad_character);
  EXPECT_EQ(check_name("a\nb", 32), NameCheck::bad_character);
  EXPECT_EQ(check_name("a\x7f", 32), NameCheck::bad_character);
  EXPECT_EQ(check_name("a\xc2\x85", 32), NameCheck::bad_character);       // NEL (C1)
  EXPECT_EQ(check_name("a\xe2\x80\x83z", 32), NameCheck::bad_character);  // em space
  EXPECT_EQ(check_name("a\xef\xbb\xbf", 32), NameCheck::bad_character);   // BOM
  EXPECT_EQ(check_name("a\xe2\x80\xae", 32), NameCheck::bad_character);   // RTL override
  EXPECT_EQ(check_name("\xff", 32), NameCheck::invalid_utf8);
  // Invisible characters, in and outside Unicode's format category.
  for (const char* invisible :
       {"\xd8\x9c", "\xe2\x81\xa6", "\xe2\x81\xa9", "\xe2\x81\xa2", "\xef\xbf\xb9",
        "\xf3\xa0\x80\x81", "\xcd\x8f", "\xef\xb8\x8f", "\xe3\x85\xa4", "\xe1\x85\x9f"}) {
    EXPECT_EQ(check_name(std::string("a") + invisible + "b", 32), NameCheck::bad_character)
        << invisible;
  }
  EXPECT_EQ(check_name("\xe4\xbd\xa0\xe5\xa5\xbd\xf0\x9f\x98\x80", 32),
            NameCheck::ok);  // CJK, emoji
}

// Every code point against the list docs/protocol.md ("Names and text") gives a stranger, so
// that list and the server's rule cannot drift apart unnoticed.
TEST(ValidationTest, NamesRefuseExactlyTheCodePointsTheProtocolDocLists) {
  const wire::CodePointRange documented[] = {
      {0x0000, 0x0020},   {0x007F, 0x00A0},   {0x00AD, 0x00AD},   {0x034F, 0x034F},
      {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},
      {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x115F, 0x1160},   {0x1680, 0x1680},
      {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x2000, 0x200F},   {0x2028, 0x202F},
      {0x205F, 0x206F},   {0x2800, 0x2800},   {0x3000, 0x3000},   {0x3164, 0x3164},
      {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF9, 0xFFFB},
      {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
  };
  int mismatches = 0;
  for (char32_t cp = 0; cp <= 0x10FFFF && mismatches < 10; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      continue;  // surrogates: not encodable
    }
    std::string name = "a";
    wire::append_utf8(name, cp);
    const bool refused = check_name(name, 32) == NameCheck::bad_character;
    if (refused != wire::in_ranges(documented, cp)) {
      ADD_FAILURE() << std::hex << "U+" << static_cast<std::uint32_t>(cp)
                    << (refused ? " refused but not listed" : " listed but accepted");
      ++mismatches;
    }
  }
}

TEST(ValidationTest, FoldingIsUnicodeSimpleCaseFolding) {
  EXPECT_EQ(fold_name("AliCE"), "alice");
  EXPECT_EQ(fold_name("\xc3\x89MILE"), "\xc3\xa9mile");  // ÉMILE -> émile
  EXPECT_EQ(fold_name("\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91"),
            "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1");  // ΣΟΦΙΑ -> σοφια
  EXPECT_EQ(fold_name("\xcf\x82"), "\xcf\x83");           // final sigma -> sigma
  EXPECT_EQ(fold_name("\xd0\x96\xd0\xa3\xd0\x9a"), "\xd0\xb6\xd1\x83\xd0\xba");  // ЖУК -> жук
  EXPECT_EQ(fold_name("\xe2\x84\xaa"), "k");                                     // KELVIN SIGN -> k
  EXPECT_EQ(fold_name("\xf0\x90\x90\x80"), "\xf0\x90\x90\xa8");                  // Deseret, 4 bytes
  EXPECT_EQ(fold_name("stra\xc3\x9f"
                      "e"),
            "stra\xc3\x9f"
            "e");                                        // ß: simple folding keeps it
  EXPECT_EQ(fold_name("\xe4\xb8\xad"), "\xe4\xb8\xad");  // no case: unchanged
  EXPECT_EQ(fold_name("A\xff\xfe"
                      "B"),
            "a\xff\xfe"
            "B");  // from a malformation on: kept as it is
}

}  // namespace
}  // namespace chat::server
