#!/usr/bin/env bash
# The README's test command (and CI's): installs what is missing, then builds and runs every
# test suite with ctest in each configuration:
#   windows  the Windows build (IOCP), cross-compiled with mingw-w64, its tests run under Wine
#   release  the Linux build (epoll), plus the cross tests: Windows and Linux binaries talking
#   asan     ASan + UBSan
#   tsan     ThreadSanitizer
#   fuzz     each libFuzzer target (clang, ASan + UBSan) for 30 s
# CHAT_TEST_PRESETS="release asan" runs a subset (the cross tests need `windows` in it too).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh

presets=(${CHAT_TEST_PRESETS:-windows release asan tsan fuzz})
windows_built=false
summary=()
status=0

# Configures, builds and tests one preset; its ctest output also goes to build/<preset>/ctest.log.
run_preset() {
  local preset=$1
  local configure=(cmake --preset "$preset")
  local test=(ctest --preset "$preset" --timeout 300)
  case $preset in
    windows)
      ./scripts/build_windows_deps.sh  # also installs mingw-w64 and Wine when missing
      test=(./scripts/wine_ctest.sh --timeout 300)
      ;;
    fuzz)
      ./scripts/install_deps.sh --fuzz
      test=(ctest --preset fuzz)  # each fuzzer's own time bound (tests/fuzz/CMakeLists.txt)
      ;;
    release)
      # The cross tests need the Windows build; without it they are configured out.
      if $windows_built; then
        configure+=("-DCHAT_CROSS_WINDOWS_DIR=$PWD/build/windows")
        test=(./scripts/with_wine.sh "${test[@]}")
      else
        configure+=("-DCHAT_CROSS_WINDOWS_DIR=")
      fi
      ;;
  esac
  echo "==== ${preset}: configure and build" >&2
  "${configure[@]}" >/dev/null || return 1
  cmake --build --preset "$preset" || return 1
  [ "$preset" = windows ] && windows_built=true
  echo "==== ${preset}: ctest" >&2
  mkdir -p "build/$preset"
  "${test[@]}" 2>&1 | tee "build/$preset/ctest.log"
  return "${PIPESTATUS[0]}"
}

for preset in "${presets[@]}"; do
  start=$(date +%s)
  rm -f "build/$preset/ctest.log"
  if run_preset "$preset"; then
    result="passed"
  else
    result="FAILED"
    status=1
  fi
  line=$(grep -E "tests passed|tests failed" "build/$preset/ctest.log" 2>/dev/null | tail -n 1 || true)
  summary+=("${preset}: ${result}: ${line:-no ctest summary} ($(( $(date +%s) - start )) s)")
done

echo
echo "==== summary"
printf '%s\n' "${summary[@]}"
exit $status
