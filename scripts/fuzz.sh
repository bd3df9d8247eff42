#!/usr/bin/env bash
# A longer fuzzing run than the test command's 30 s per target: builds the `fuzz` preset and runs
# each libFuzzer target for SECONDS (default 600), one after the other.
#   ./scripts/fuzz.sh [SECONDS]
# What the fuzzers find is kept in build/fuzz/tests/fuzz/<target>_corpus and used by later runs.
# A crash leaves its input as build/fuzz/tests/fuzz/<target>-crash-<hash>; replay it with
#   build/fuzz/tests/fuzz/<target> build/fuzz/tests/fuzz/<target>-crash-<hash>
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: fuzz.sh [SECONDS]" >&2; exit 2; }
./scripts/install_deps.sh --fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
dir=build/fuzz/tests/fuzz
for target in frame_decoder server; do
  case $target in frame_decoder) seeds=frame ;; server) seeds=server ;; esac
  echo "==== fuzz_$target for $seconds s" >&2
  "$dir/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/fuzz_$target-" \
    "$dir/fuzz_${target}_corpus" "tests/fuzz/corpus/$seeds"
done
