// Password hashes: what the server writes and reads, and that it reads what libsodium's
// crypto_pwhash_str wrote before (databases made by earlier versions) and the other way round.
#include "accounts/password_hash.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "accounts/argon2id_string.h"

namespace chat::server {
namespace {

constexpr const char* kPassword = "correct horse";

// What libsodium's crypto_pwhash_str writes for `password` at that cost and algorithm; empty
// (and a failure) if it cannot.
std::string libsodium_hash(const char* password, unsigned long long passes, std::size_t memory,
                           int algorithm = crypto_pwhash_ALG_ARGON2ID13) {
  char out[crypto_pwhash_STRBYTES] = {};
  if (sodium_init() < 0 ||
      crypto_pwhash_str_alg(out, password, std::char_traits<char>::length(password), passes, memory,
                            algorithm) != 0) {
    ADD_FAILURE() << "libsodium could not hash";
    return "";
  }
  return out;
}

std::string libsodium_hash(const char* password, bool interactive) {
  return interactive
             ? libsodium_hash(password, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE)
             : libsodium_hash(password, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
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
  const std::string cost = "$argon2id$v=19$m=65536,t=2,p=1$";
  ASSERT_EQ(stored.substr(0, cost.size()), cost);
  // 16 bytes of salt and 32 of hash, base64 without padding: 22 and 43 characters.
  const std::string rest = stored.substr(cost.size());
  ASSERT_EQ(rest.size(), 22u + 1 + 43) << stored;
  EXPECT_EQ(rest[22], '$') << stored;
  EXPECT_EQ(
      rest.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/$"),
      std::string::npos)
      << stored;
  const auto read = parse_argon2id_string(stored);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->salt.size(), 16u);
  EXPECT_EQ(read->hash.size(), 32u);
}

TEST(PasswordHash, ItReadsWhatLibsodiumWroteAndLibsodiumReadsWhatItWrites) {
  for (const bool interactive : {false, true}) {
    SCOPED_TRACE(interactive ? "interactive" : "minimal");
    const std::string theirs = libsodium_hash(kPassword, interactive);
    HashMemory memory;
    EXPECT_TRUE(verify_password(theirs, kPassword, memory));
    EXPECT_GT(memory.held_bytes(), 0u) << "checked by libargon2, not handed to libsodium";
    EXPECT_FALSE(verify_password(theirs, "not the password", memory));
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

// Hashes of another cost or algorithm than this server writes (none in a database it made) are
// checked by libsodium, which allocates and frees its own memory: a corrupt row cannot make an
// auth thread hold more than the 64 MiB of a login.
TEST(PasswordHash, OtherCostsAndAlgorithmsAreCheckedByLibsodium) {
  const std::string more_passes = libsodium_hash(kPassword, 3, crypto_pwhash_MEMLIMIT_MIN);
  const std::string argon2i =
      libsodium_hash(kPassword, 3, crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2I13);
  for (const std::string& stored : {more_passes, argon2i}) {
    SCOPED_TRACE(stored);
    HashMemory memory;
    EXPECT_TRUE(verify_password(stored, kPassword, memory));
    EXPECT_FALSE(verify_password(stored, "not the password", memory));
    EXPECT_EQ(memory.held_bytes(), 0u) << "libsodium's own memory, not the thread's";
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

TEST(PasswordHash, TheStoredFormIsReadStrictly) {
  const std::string good = hash_password(kPassword, HashCost::minimal);
  const std::string tail = good.substr(good.find('$', 20));  // "$salt$hash"
  ASSERT_TRUE(parse_argon2id_string(good));
  const std::string refused[] = {
      "",
      "$argon2id$v=19$m=8,t=1,p=1",
      "$argon2i$v=19$m=8,t=1,p=1" + tail,
      "$argon2id$v=16$m=8,t=1,p=1" + tail,
      "$argon2id$v=19$m=8,t=1,p=1,x=2" + tail,
      "$argon2id$v=19$m=+8,t=1,p=1" + tail,
      "$argon2id$v=19$m=08,t=1,p=1" + tail,
      "$argon2id$v=19$m=,t=1,p=1" + tail,
      "$argon2id$v=19$m=4294967296,t=1,p=1" + tail,
      "$argon2id$v=19$m=8,t=1,p=1$$" + good.substr(good.rfind('$') + 1),
      good + "$",
      good + "=",
      good.substr(0, good.rfind('$')) + "$a$b",
  };
  for (const std::string& text : refused) {
    EXPECT_FALSE(parse_argon2id_string(text)) << text;
  }
  // A hash of another length parses, and matches nothing: only 32-byte hashes are checked here,
  // the rest goes to libsodium, which wants at least 16.
  const std::string short_hash = good.substr(0, good.rfind('$') + 1) + "AAAAAA";
  ASSERT_TRUE(parse_argon2id_string(short_hash));
  EXPECT_EQ(parse_argon2id_string(short_hash)->hash.size(), 4u);
  HashMemory memory;
  EXPECT_FALSE(verify_password(short_hash, kPassword, memory));
  EXPECT_EQ(memory.held_bytes(), 0u) << "handed to libsodium, not computed here";
}

// Beyond what this server writes (the login cost, one lane, a 16-byte salt), nothing is computed
// with the thread's memory: a corrupt row cannot make it keep a larger block.
TEST(PasswordHash, OnlyWhatThisServerWritesIsComputedWithTheThreadsMemory) {
  const std::string good = hash_password(kPassword, HashCost::minimal);
  const std::string salt_and_hash = good.substr(good.find('$', 20));
  const std::string hash = good.substr(good.rfind('$'));
  const std::string others[] = {
      "$argon2id$v=19$m=65537,t=1,p=1" + salt_and_hash,      // more memory than a login's
      "$argon2id$v=19$m=64,t=1,p=2" + salt_and_hash,         // two lanes
      "$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAAAAAAA" + hash,  // a 12-byte salt
  };
  for (const std::string& stored : others) {
    SCOPED_TRACE(stored);
    ASSERT_TRUE(parse_argon2id_string(stored));
    HashMemory memory;
    EXPECT_FALSE(verify_password(stored, kPassword, memory));
    EXPECT_EQ(memory.held_bytes(), 0u);
  }
}

}  // namespace
}  // namespace chat::server
