#include "password_hash.h"

#include <argon2.h>
#include <sodium.h>

#include <cerrno>
#include <optional>
#include <stdexcept>

#include "argon2id_string.h"

namespace chat::server {
namespace {

constexpr std::size_t kSaltBytes = 16;  // what crypto_pwhash_str used
constexpr std::size_t kHashBytes = 32;

// Argon2id's cost: libsodium's limits, which crypto_pwhash_str used, in libargon2's units.
struct Cost {
  std::uint32_t memory_kib;
  std::uint32_t passes;
};
constexpr Cost cost_of(HashCost cost) {
  return cost == HashCost::interactive
             ? Cost{crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024, crypto_pwhash_OPSLIMIT_INTERACTIVE}
             : Cost{crypto_pwhash_MEMLIMIT_MIN / 1024, crypto_pwhash_OPSLIMIT_MIN};
}

// What verify_password() computes itself is at most what this server writes (and libsodium's
// crypto_pwhash_str wrote before it). Anything else goes to libsodium, which allocates its own
// memory and frees it after: a corrupt row cannot make an auth thread keep more than 64 MiB.
constexpr Cost kMostWritten = cost_of(HashCost::interactive);

void ensure_sodium() {
  // sodium_init() is itself thread-safe and idempotent; the static only saves the calls.
  static const bool ready = sodium_init() >= 0;
  if (!ready) {
    throw std::runtime_error("libsodium could not be initialized");
  }
}

// libargon2 asks for its memory through callbacks without a context argument: the HashMemory
// of the hash running on this thread.
thread_local HashMemory* t_memory = nullptr;

int take_memory(std::uint8_t** block, std::size_t bytes) noexcept {
  *block = t_memory != nullptr ? t_memory->take(bytes) : nullptr;
  return *block != nullptr ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}

// libargon2 has wiped the block; the HashMemory keeps it for the next hash.
void keep_memory(std::uint8_t*, std::size_t) noexcept {}

// Argon2id of `password` with `h`'s salt and cost, into `out` (as many bytes as it holds).
// Throws std::runtime_error with libargon2's reason.
void argon2id(std::string_view password, const Argon2idString& h, std::vector<std::uint8_t>& out,
              HashMemory& memory) {
  argon2_context context{};
  context.out = out.data();
  context.outlen = static_cast<std::uint32_t>(out.size());
  // Read only: libargon2 writes to it only with ARGON2_FLAG_CLEAR_PASSWORD, which is not set.
  context.pwd = reinterpret_cast<std::uint8_t*>(const_cast<char*>(password.data()));
  context.pwdlen = static_cast<std::uint32_t>(password.size());
  context.salt = const_cast<std::uint8_t*>(h.salt.data());
  context.saltlen = static_cast<std::uint32_t>(h.salt.size());
  context.t_cost = h.passes;
  context.m_cost = h.memory_kib;
  context.lanes = h.lanes;
  context.threads = 1;  // on the calling thread: the auth pool is the parallelism
  context.version = ARGON2_VERSION_13;
  context.allocate_cbk = take_memory;
  context.free_cbk = keep_memory;
  context.flags = ARGON2_DEFAULT_FLAGS;
  HashMemory* const outer = t_memory;
  t_memory = &memory;
  const int rc = argon2_ctx(&context, Argon2_id);
  t_memory = outer;
  if (rc != ARGON2_OK) {
    throw std::runtime_error(std::string("password hashing failed: ") + argon2_error_message(rc));
  }
}

}  // namespace

std::string hash_password(std::string_view password, HashCost cost, HashMemory& memory) {
  ensure_sodium();
  Argon2idString h;
  h.memory_kib = cost_of(cost).memory_kib;
  h.passes = cost_of(cost).passes;
  h.lanes = 1;
  h.salt.resize(kSaltBytes);
  randombytes_buf(h.salt.data(), h.salt.size());
  h.hash.resize(kHashBytes);
  argon2id(password, h, h.hash, memory);
  return encode_argon2id_string(h);
}

std::string hash_password(std::string_view password, HashCost cost) {
  HashMemory memory;
  return hash_password(password, cost, memory);
}

bool verify_password(const std::string& stored, std::string_view password, HashMemory& memory) {
  ensure_sodium();
  const std::optional<Argon2idString> h = parse_argon2id_string(stored);
  if (!h || h->lanes != 1 || h->memory_kib < ARGON2_MIN_MEMORY ||
      h->memory_kib > kMostWritten.memory_kib || h->passes < ARGON2_MIN_TIME ||
      h->passes > kMostWritten.passes || h->salt.size() != kSaltBytes ||
      h->hash.size() != kHashBytes) {
    // Not a cost this server writes: libsodium reads every form crypto_pwhash_str wrote, and
    // refuses the rest. It answers -1 both for a mismatch (errno EINVAL) and when it cannot
    // allocate (ENOMEM), which is a failure to report, not a wrong password.
    errno = 0;
    const int rc = crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size());
    if (rc != 0 && errno == ENOMEM) {
      throw std::runtime_error("password check ran out of memory");
    }
    return rc == 0;
  }
  std::vector<std::uint8_t> computed(h->hash.size());
  // Throws on libargon2's errors: within these bounds, only out of memory.
  argon2id(password, *h, computed, memory);
  const bool same = sodium_memcmp(computed.data(), h->hash.data(), computed.size()) == 0;
  sodium_memzero(computed.data(), computed.size());
  return same;
}

bool verify_password(const std::string& stored, std::string_view password) {
  HashMemory memory;
  return verify_password(stored, password, memory);
}

}  // namespace chat::server
