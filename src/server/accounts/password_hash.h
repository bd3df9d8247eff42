// Internal header (server). Password hashing with Argon2id (libsodium's crypto_pwhash_str), so
// the database never holds a password and a stolen one costs an attacker dearly per guess.
#pragma once

#include <string>
#include <string_view>

namespace chat::server {

// How much work one hash costs. interactive is libsodium's recommendation for logins (64 MiB,
// 2 passes); minimal (libsodium's floor) exists so unit tests register accounts quickly.
enum class HashCost { interactive, minimal };

inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 128;

// The hash to store: an Argon2id string holding its own salt and cost. Throws
// std::runtime_error when libsodium cannot (out of memory). Thread-safe; takes a while.
std::string hash_password(std::string_view password, HashCost cost);

// True if `password` matches `stored` (a hash_password() result). The comparison is libsodium's,
// in constant time. Thread-safe; takes as long as the hash did.
bool verify_password(const std::string& stored, std::string_view password);

}  // namespace chat::server
