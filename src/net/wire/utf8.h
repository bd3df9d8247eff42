// Public header. UTF-8 decoding: proto3 requires every string field to be valid UTF-8, and the
// server's name rules work on code points. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chat::wire {

// Decodes the sequence at text[i], advancing `i`; false on any malformation (overlong forms,
// surrogates, code points past U+10FFFF, truncation, stray continuation bytes).
bool next_code_point(std::string_view text, std::size_t& i, char32_t& cp);

bool is_valid_utf8(std::string_view text);

// Appends the UTF-8 encoding of `cp` (a Unicode scalar value: not a surrogate, at most U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

}  // namespace chat::wire
