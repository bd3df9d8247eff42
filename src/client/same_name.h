// Internal header. How the console client compares nicknames and room names.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>

namespace chat::client {

// True when `a` and `b` are the same name in ASCII letter case. The server folds all of Unicode's
// simple case; the client only needs to recognise the names it typed or was sent, which the
// server spells one way. Thread-safe (pure).
inline bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace chat::client
