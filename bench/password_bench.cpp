// What one login and one registration cost the auth thread: Argon2id at the server's cost
// (libsodium's INTERACTIVE limits: 2 passes over 64 MiB), and at the minimal cost the unit tests
// use. The inverse of the verify time is how many logins a second one auth thread can check.
// "kept" is what an auth thread does (one HashMemory from check to check), "fresh" takes the
// memory from the system for every hash, and "libsodium" is crypto_pwhash_str_verify, which the
// server used before (it maps and unmaps its 64 MiB for every hash).
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <string>

#include "accounts/password_hash.h"

namespace chat::server {
namespace {

constexpr const char* kPassword = "correct horse battery";

void BM_HashPassword(benchmark::State& state, HashCost cost) {
  HashMemory memory;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hash_password(kPassword, cost, memory));
  }
}
BENCHMARK_CAPTURE(BM_HashPassword, interactive_kept, HashCost::interactive)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HashPassword, minimal_kept, HashCost::minimal)->Unit(benchmark::kMillisecond);

void BM_VerifyPassword(benchmark::State& state, HashCost cost, bool keep_memory) {
  const std::string stored = hash_password(kPassword, cost);
  HashMemory memory;
  for (auto _ : state) {
    if (keep_memory) {
      benchmark::DoNotOptimize(verify_password(stored, kPassword, memory));
    } else {
      benchmark::DoNotOptimize(verify_password(stored, kPassword));
    }
  }
}
BENCHMARK_CAPTURE(BM_VerifyPassword, interactive_kept, HashCost::interactive, true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VerifyPassword, interactive_fresh, HashCost::interactive, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VerifyPassword, minimal_kept, HashCost::minimal, true)
    ->Unit(benchmark::kMillisecond);

void BM_LibsodiumVerify(benchmark::State& state) {
  const std::string stored = hash_password(kPassword, HashCost::interactive);
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_pwhash_str_verify(stored.c_str(), kPassword,
                                                      std::char_traits<char>::length(kPassword)));
  }
}
BENCHMARK(BM_LibsodiumVerify)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chat::server
