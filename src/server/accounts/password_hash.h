// Internal header (server). Password hashing with Argon2id, so the database never holds a
// password and a stolen one costs an attacker dearly per guess. The hashing is libargon2's (the
// reference implementation), with working memory the caller keeps (HashMemory); salts, base64
// and the constant-time comparison are libsodium's. The stored form is argon2id_string.h's.
#pragma once

#include <string>
#include <string_view>

#include "hash_memory.h"

namespace chat::server {

// How much work one hash costs. interactive is libsodium's recommendation for logins (64 MiB,
// 2 passes); minimal (8 KiB, 1 pass) exists so unit tests register accounts quickly.
enum class HashCost { interactive, minimal };

inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 128;

// The hash to store: an Argon2id string holding its own salt and cost. Throws
// std::runtime_error when hashing fails (out of memory). Takes a while. Thread-safe for
// different `memory`; the overload without one allocates the memory for this hash alone.
std::string hash_password(std::string_view password, HashCost cost, HashMemory& memory);
std::string hash_password(std::string_view password, HashCost cost);

// True if `password` matches `stored` (a hash_password() result, or any hash libsodium's
// crypto_pwhash_str wrote). The comparison takes the same time whatever matches. Takes as long
// as the hash did. Throws std::runtime_error when out of memory. Thread-safe for different
// `memory`, as above.
bool verify_password(const std::string& stored, std::string_view password, HashMemory& memory);
bool verify_password(const std::string& stored, std::string_view password);

}  // namespace chat::server
