#!/usr/bin/env bash
# The README's test command (and CI's): installs what is missing, then builds and runs every
# test suite with ctest in each configuration: release, ASan+UBSan, TSan.
# CHAT_TEST_PRESETS="release asan" runs a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh

presets=(${CHAT_TEST_PRESETS:-release asan tsan})
summary=()
status=0
for preset in "${presets[@]}"; do
  echo "==== ${preset}: configure and build" >&2
  start=$(date +%s)
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "==== ${preset}: ctest" >&2
  log="build/${preset}/ctest.log"
  if ctest --preset "$preset" --timeout 300 2>&1 | tee "$log"; then
    result="passed"
  else
    result="FAILED"
    status=1
  fi
  line=$(grep -E "tests passed|tests failed" "$log" | tail -n 1 || true)
  summary+=("${preset}: ${result}: ${line:-no ctest summary} ($(( $(date +%s) - start )) s)")
done

echo
echo "==== summary"
printf '%s\n' "${summary[@]}"
exit $status
