// Public header. The rules for text a client sends: UTF-8, names, case folding. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "net/wire/utf8.h"

namespace chat::server {

using wire::is_valid_utf8;

enum class NameCheck { ok, empty, too_long, invalid_utf8, bad_character };

// A nickname or room name: 1..max_bytes of UTF-8 with no whitespace, control, or invisible
// characters (C0/C1 controls, spaces of every kind, zero-width characters, BOM). Thread-safe.
NameCheck check_name(std::string_view name, std::size_t max_bytes);

// The form names are compared in: Unicode's simple case folding (CaseFolding.txt, statuses C and
// S: `Émile` and `éMILE` fold alike, so do `ΣΟΦΙΑ` and `σοφια`), code point by code point; bytes
// that are not UTF-8 are kept as they are. One function so that every comparison in the server
// (nicknames, whisper targets, room names) folds the same way. Thread-safe.
std::string fold_name(std::string_view name);

}  // namespace chat::server
