// What one login and one registration cost the auth thread: Argon2id at the server's cost
// (libsodium's INTERACTIVE limits), and at the minimal cost the unit tests use. The inverse of
// the verify time is how many logins a second one auth thread can check.
#include <benchmark/benchmark.h>

#include <string>

#include "accounts/password_hash.h"

namespace chat::server {
namespace {

void BM_HashPassword(benchmark::State& state, HashCost cost) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(hash_password("correct horse battery", cost));
  }
}
BENCHMARK_CAPTURE(BM_HashPassword, interactive, HashCost::interactive)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HashPassword, minimal, HashCost::minimal)->Unit(benchmark::kMillisecond);

void BM_VerifyPassword(benchmark::State& state, HashCost cost) {
  const std::string stored = hash_password("correct horse battery", cost);
  for (auto _ : state) {
    benchmark::DoNotOptimize(verify_password(stored, "correct horse battery"));
  }
}
BENCHMARK_CAPTURE(BM_VerifyPassword, interactive, HashCost::interactive)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VerifyPassword, minimal, HashCost::minimal)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace chat::server
