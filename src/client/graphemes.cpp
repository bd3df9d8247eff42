#include "graphemes.h"

#include <algorithm>
#include <cstdint>

#include <utf8proc.h>

namespace chat::client {
namespace {

constexpr utf8proc_int32_t kEmojiPresentation = 0xFE0F;

// The code point at text[pos] and its length in bytes; a byte that is not UTF-8 reads as
// U+FFFD, one byte long.
std::pair<utf8proc_int32_t, std::size_t> decode(std::string_view text, std::size_t pos) {
  utf8proc_int32_t cp = 0;
  const utf8proc_ssize_t n =
      utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                       static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
  if (n <= 0) {
    return {0xFFFD, 1};
  }
  return {cp, static_cast<std::size_t>(n)};
}

}  // namespace

std::size_t next_grapheme(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) {
    return text.size();
  }
  utf8proc_int32_t state = 0;
  auto [previous, length] = decode(text, pos);
  if (previous == 0xFFFD && length == 1) {
    return pos + 1;
  }
  std::size_t end = pos + length;
  while (end < text.size()) {
    const auto [cp, n] = decode(text, end);
    if (cp == 0xFFFD && n == 1) {
      break;  // a byte that is not UTF-8 stands alone
    }
    if (utf8proc_grapheme_break_stateful(previous, cp, &state)) {
      break;
    }
    previous = cp;
    end += n;
  }
  return end;
}

std::size_t previous_grapheme(std::string_view text, std::size_t pos) {
  // Clusters are found from the start: a break depends on what came before (emoji sequences,
  // regional indicator pairs). Input lines are short.
  std::size_t start = 0;
  for (std::size_t next = 0; next < pos; next = next_grapheme(text, next)) {
    start = next;
  }
  return start;
}

std::size_t grapheme_columns(std::string_view cluster) {
  if (cluster.empty()) {
    return 0;
  }
  const auto first = decode(cluster, 0).first;
  int width = utf8proc_charwidth(first);
  for (std::size_t i = 0; i < cluster.size();) {
    const auto [cp, n] = decode(cluster, i);
    if (cp == kEmojiPresentation) {
      width = 2;
    }
    i += n;
  }
  return static_cast<std::size_t>(std::max(width, 1));
}

std::size_t text_columns(std::string_view text) {
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t end = next_grapheme(text, i);
    columns += grapheme_columns(text.substr(i, end - i));
    i = end;
  }
  return columns;
}

}  // namespace chat::client
