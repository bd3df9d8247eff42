// Password hashes: what the server writes and reads, and that it reads what libsodium's
// crypto_pwhash_str wrote before (databases made by earlier versions) and the other way round.
#include "accounts/password_hash.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <regex>
#include <string>

#include "accounts/argon2id_string.h"

namespace chat::server {
namespace {

constexpr const char* kPassword = "correct horse";

std::string libsodium_hash(const char* password, bool interactive) {
  char out[crypto_pwhash_STRBYTES];
  EXPECT_EQ(sodium_init() >= 0, true);
  EXPECT_EQ(crypto_pwhash_str_alg(
                out, password, std::char_traits<char>::length(password),
                interactive ? crypto_pwhash_OPSLIMIT_INTERACTIVE : crypto_pwhash_OPSLIMIT_MIN,
                interactive ? crypto_pwhash_MEMLIMIT_INTERACTIVE : crypto_pwhash_MEMLIMIT_MIN,
                crypto_pwhash_ALG_ARGON2ID13),
            0);
  return out;
}

bool libsodium_verifies(const std::string& stored, const char* password) {
  return crypto_pwhash_str_verify(stored.c_str(), password,
                                  std::char_traits<char>::length(password)) == 0;
}

TEST(PasswordHash, TheRightPasswordMatchesAndNoOtherDoes) {
  const std::string stored = hash_password(kPassword, HashCost::minimal);
  EXPECT_TRUE(verify_password(stored, kPassword));
  EXPECT_FALSE(verify_password(stored, "correct horsE"));
  EXPECT_FALSE(verify_password(stored, ""));
  EXPECT_NE(hash_password(kPassword, HashCost::minimal), stored) << "a new salt every time";
}

TEST(PasswordHash, TheLoginCostIsWrittenInTheStoredForm) {
  const std::string stored = hash_password(kPassword, HashCost::interactive);
  // 16 bytes of salt and 32 of hash, base64 without padding: 22 and 43 characters.
  EXPECT_TRUE(std::regex_match(
      stored,
      std::regex(R"(\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})")))
      << stored;
}

TEST(PasswordHash, ItReadsWhatLibsodiumWroteAndLibsodiumReadsWhatItWrites) {
  for (const bool interactive : {false, true}) {
    SCOPED_TRACE(interactive ? "interactive" : "minimal");
    const std::string theirs = libsodium_hash(kPassword, interactive);
    EXPECT_TRUE(verify_password(theirs, kPassword));
    EXPECT_FALSE(verify_password(theirs, "not the password"));
    const std::string ours =
        hash_password(kPassword, interactive ? HashCost::interactive : HashCost::minimal);
    EXPECT_TRUE(libsodium_verifies(ours, kPassword));
    EXPECT_FALSE(libsodium_verifies(ours, "not the password"));
    // The same text form, field by field.
    const auto theirs_read = parse_argon2id_string(theirs);
    const auto ours_read = parse_argon2id_string(ours);
    ASSERT_TRUE(theirs_read && ours_read);
    EXPECT_EQ(encode_argon2id_string(*theirs_read), theirs);
    EXPECT_EQ(theirs_read->memory_kib, ours_read->memory_kib);
    EXPECT_EQ(theirs_read->passes, ours_read->passes);
    EXPECT_EQ(theirs_read->lanes, ours_read->lanes);
    EXPECT_EQ(theirs_read->salt.size(), ours_read->salt.size());
    EXPECT_EQ(theirs_read->hash.size(), ours_read->hash.size());
  }
}

TEST(PasswordHash, OneMemoryServesHashAfterHashAndStaysAtTheLargestSize) {
  HashMemory memory;
  const std::string big = hash_password(kPassword, HashCost::interactive, memory);
  EXPECT_EQ(memory.held_bytes(), 64u * 1024 * 1024);
  const std::uint8_t* block = memory.take(1);
  const std::string small = hash_password(kPassword, HashCost::minimal, memory);
  EXPECT_EQ(memory.held_bytes(), 64u * 1024 * 1024);
  EXPECT_EQ(memory.take(1), block) << "the small hash used the block held";
  EXPECT_TRUE(verify_password(big, kPassword, memory));
  EXPECT_TRUE(verify_password(small, kPassword, memory));
  EXPECT_FALSE(verify_password(big, "correct horse!", memory));
  EXPECT_TRUE(libsodium_verifies(big, kPassword)) << "a reused block gives the same hash";
  memory.release();
  EXPECT_EQ(memory.held_bytes(), 0u);
}

TEST(PasswordHash, AStoredFormThatIsWrongMatchesNothing) {
  const std::string good = hash_password(kPassword, HashCost::minimal);
  const std::size_t last = good.rfind('$');
  std::string tampered = good;
  tampered[last + 1] = tampered[last + 1] == 'A' ? 'B' : 'A';
  const std::string broken[] = {
      "",
      "$argon2id$",
      good.substr(0, good.size() - 1),  // a hash a character short
      good + "A",                       // a character long
      good.substr(0, last) + "$!!!!",   // not base64
      good.substr(0, last),             // no hash
      tampered,
      "$argon2id$v=19$m=8,t=0,p=1" + good.substr(good.find("$", 20)),  // no passes
      "$argon2id$v=19$m=0,t=1,p=1" + good.substr(good.find("$", 20)),  // no memory
      "$argon2id$v=16$m=8,t=1,p=1" + good.substr(good.find("$", 20)),  // another version
      "$argon2i$v=19$m=8,t=1,p=1" + good.substr(good.find("$", 20)),   // another variant
      "$argon2id$v=19$m=8,t=1,p=1,x=2" + good.substr(good.find("$", 20)),
      "$argon2id$v=19$m=+8,t=1,p=1" + good.substr(good.find("$", 20)),
      "$argon2id$v=19$m=99999999999,t=1,p=1" + good.substr(good.find("$", 20)),
  };
  for (const std::string& stored : broken) {
    EXPECT_FALSE(verify_password(stored, kPassword)) << stored;
  }
  EXPECT_TRUE(verify_password(good, kPassword));
}

}  // namespace
}  // namespace chat::server
