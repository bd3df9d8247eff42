#include "validation.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "net/wire/text_escape.h"
#include "net/wire/utf8.h"

namespace chat::server {
namespace {

// Code points that do not belong in a name: every one the log and terminal escaping treats as
// a control (Unicode's Cc, Cf, Zl, Zp: wire::is_escaped_code_point), and beside them every kind
// of space and the invisible fillers and variation selectors outside Cf, so two names can never
// look identical while differing.
constexpr wire::CodePointRange kBlankButNotControl[] = {
    {0x0020, 0x0020},   {0x00A0, 0x00A0}, {0x034F, 0x034F},  // space, NBSP, grapheme joiner
    {0x115F, 0x1160},   {0x1680, 0x1680}, {0x17B4, 0x17B5},  // Hangul fillers, Ogham space
    {0x180B, 0x180F},   {0x2000, 0x200A}, {0x202F, 0x202F},  // Mongolian FVS, spaces
    {0x205F, 0x206F},   {0x2800, 0x2800}, {0x3000, 0x3000},  // math space, Braille blank
    {0x3164, 0x3164},   {0xFE00, 0xFE0F}, {0xFFA0, 0xFFA0},  // fillers, variation selectors
    {0xE0000, 0xE0FFF},                                      // tags, VS supplement
};

bool is_forbidden_in_name(char32_t cp) {
  return wire::is_escaped_code_point(cp) || wire::in_ranges(kBlankButNotControl, cp);
}

// Unicode's simple case folding: each code point that folds, and what it folds to.
constexpr std::pair<char32_t, char32_t> kCaseFolding[] = {
#include "case_folding.inc"
};

char32_t fold_code_point(char32_t cp) {
  const auto* it =
      std::lower_bound(std::begin(kCaseFolding), std::end(kCaseFolding), cp,
                       [](const auto& pair, char32_t key) { return pair.first < key; });
  return it != std::end(kCaseFolding) && it->first == cp ? it->second : cp;
}

}  // namespace

NameCheck check_name(std::string_view name, std::size_t max_bytes) {
  if (name.empty()) {
    return NameCheck::empty;
  }
  if (name.size() > max_bytes) {
    return NameCheck::too_long;
  }
  std::size_t i = 0;
  char32_t cp = 0;
  while (i < name.size()) {
    if (!wire::next_code_point(name, i, cp)) {
      return NameCheck::invalid_utf8;
    }
    if (is_forbidden_in_name(cp)) {
      return NameCheck::bad_character;
    }
  }
  return NameCheck::ok;
}

std::string fold_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  std::size_t i = 0;
  while (i < name.size()) {
    const auto byte = static_cast<unsigned char>(name[i]);
    if (byte < 0x80) {  // the common case, without decoding
      out += static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte - 'A' + 'a' : byte);
      ++i;
      continue;
    }
    const std::size_t start = i;
    char32_t cp = 0;
    if (!wire::next_code_point(name, i, cp)) {
      out.append(name.substr(start));  // not UTF-8 (names are checked first): kept as it is
      break;
    }
    wire::append_utf8(out, fold_code_point(cp));
  }
  return out;
}

}  // namespace chat::server
