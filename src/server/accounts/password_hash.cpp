#include "password_hash.h"

#include <sodium.h>

#include <stdexcept>

namespace chat::server {
namespace {

void ensure_sodium() {
  // sodium_init() is itself thread-safe and idempotent; the static only saves the calls.
  static const bool ready = sodium_init() >= 0;
  if (!ready) {
    throw std::runtime_error("libsodium could not be initialized");
  }
}

}  // namespace

std::string hash_password(std::string_view password, HashCost cost) {
  ensure_sodium();
  const bool interactive = cost == HashCost::interactive;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(
          out, password.data(), password.size(),
          interactive ? crypto_pwhash_OPSLIMIT_INTERACTIVE : crypto_pwhash_OPSLIMIT_MIN,
          interactive ? crypto_pwhash_MEMLIMIT_INTERACTIVE : crypto_pwhash_MEMLIMIT_MIN,
          crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("password hashing ran out of memory");
  }
  return std::string(out);
}

bool verify_password(const std::string& stored, std::string_view password) {
  ensure_sodium();
  return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

}  // namespace chat::server
