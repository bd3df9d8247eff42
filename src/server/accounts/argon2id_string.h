// Internal header (server). The text form of an Argon2id hash, as stored in the accounts table:
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
// (the PHC string format; salt and hash in base64 without padding). It is the form libsodium's
// crypto_pwhash_str wrote before the server hashed with libargon2, so both read each other's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::server {

struct Argon2idString {
  std::uint32_t memory_kib = 0;
  std::uint32_t passes = 0;
  std::uint32_t lanes = 0;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

// The text of `h`. Thread-safe.
std::string encode_argon2id_string(const Argon2idString& h);

// `text` read back, or nullopt unless it is exactly that form with version 19, decimal numbers
// that fit 32 bits, and salt and hash that decode. Says nothing of whether the numbers are
// sensible costs: the caller bounds them. Thread-safe.
std::optional<Argon2idString> parse_argon2id_string(std::string_view text);

}  // namespace chat::server
