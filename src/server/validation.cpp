#include "validation.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "net/wire/utf8.h"

namespace chat::server {
namespace {

// Code points that do not belong in a name: C0/C1 controls, DEL, every kind of space, and the
// invisible ones (Unicode's format characters, category Cf, plus the invisible fillers and
// variation selectors outside Cf), so two names can never look identical while differing.
constexpr std::pair<char32_t, char32_t> kForbiddenInNames[] = {
    {0x0000, 0x0020},   {0x007F, 0x00A0},   {0x00AD, 0x00AD},  // controls, space, NBSP, soft hyphen
    {0x034F, 0x034F},   {0x0600, 0x0605},   {0x061C, 0x061C},  // grapheme joiner, Arabic marks
    {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x08E2, 0x08E2},  // Arabic/Syriac format marks
    {0x115F, 0x1160},   {0x1680, 0x1680},   {0x17B4, 0x17B5},  // Hangul fillers, Ogham space
    {0x180B, 0x180F},   {0x2000, 0x200F},   {0x2028, 0x202F},  // Mongolian FVS, spaces, marks
    {0x205F, 0x206F},   {0x2800, 0x2800},   {0x3000, 0x3000},  // math space, invisible operators
    {0x3164, 0x3164},   {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},  // filler, variation selectors, BOM
    {0xFFA0, 0xFFA0},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},  // fillers, annotation marks
    {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},  // musical format, tags, VS supplement
};

bool is_forbidden_in_name(char32_t cp) {
  for (const auto& [first, last] : kForbiddenInNames) {
    if (cp >= first && cp <= last) {
      return true;
    }
  }
  return false;
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

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
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
    append_utf8(out, fold_code_point(cp));
  }
  return out;
}

}  // namespace chat::server
