// Public header. UTF-8 decoding: proto3 requires every string field to be valid UTF-8, and the
// server's name rules work on code points. Pure functions; thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace chat::wire {

// Decodes the sequence at text[i], advancing `i`; false on any malformation (overlong forms,
// surrogates, code points past U+10FFFF, truncation, stray continuation bytes).
bool next_code_point(std::string_view text, std::size_t& i, char32_t& cp);

bool is_valid_utf8(std::string_view text);

// The first `code_points` code points of `text` (all of it when it has no more); a byte that is
// not UTF-8 counts as one code point.
std::string_view utf8_prefix(std::string_view text, std::size_t code_points);

// How many bytes the UTF-8 sequence that `lead` starts takes (1 for ASCII, and for a stray
// continuation byte or an invalid lead, which a decoder takes one at a time).
inline std::size_t utf8_sequence_length(unsigned char lead) {
  return lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
}

// A code point range, first and last included; tables of them are sorted and do not overlap.
using CodePointRange = std::pair<char32_t, char32_t>;

// True if `cp` lies in one of `table`'s ranges (sorted, not overlapping): a binary search.
inline bool in_ranges(std::span<const CodePointRange> table, char32_t cp) {
  const auto it =
      std::lower_bound(table.begin(), table.end(), cp,
                       [](const CodePointRange& r, char32_t c) { return r.second < c; });
  return it != table.end() && it->first <= cp;
}

// Appends the UTF-8 encoding of `cp` (a Unicode scalar value: not a surrogate, at most U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

}  // namespace chat::wire
