#include "validation.h"

#include <cstdint>

namespace chat::server {
namespace {

// Decodes one UTF-8 sequence at `i`; returns false on any malformation (overlong forms,
// surrogates, code points past U+10FFFF, truncation).
bool next_code_point(std::string_view s, std::size_t& i, char32_t& cp) {
  const auto b0 = static_cast<std::uint8_t>(s[i]);
  std::size_t len = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (i + len > s.size()) {
    return false;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<std::uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return false;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return false;
  }
  i += len;
  return true;
}

bool is_forbidden_in_name(char32_t cp) {
  if (cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0xA0)) {
    return true;  // C0 controls, space, DEL, C1 controls, no-break space
  }
  switch (cp) {
    case 0x1680:
    case 0x180E:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x2060:
    case 0x3000:
    case 0xFEFF:
    case 0x00AD:
      return true;
    default:
      return (cp >= 0x2000 && cp <= 0x200F) ||  // typographic spaces, zero-width, direction marks
             (cp >= 0x202A && cp <= 0x202E);    // bidirectional overrides
  }
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  char32_t cp = 0;
  while (i < text.size()) {
    if (!next_code_point(text, i, cp)) {
      return false;
    }
  }
  return true;
}

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
    if (!next_code_point(name, i, cp)) {
      return NameCheck::invalid_utf8;
    }
    if (is_forbidden_in_name(cp)) {
      return NameCheck::bad_character;
    }
  }
  return NameCheck::ok;
}

std::string fold_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace chat::server
