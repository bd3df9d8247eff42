#!/usr/bin/env bash
# Runs the Windows tests (preset `windows`, cross-built with mingw-w64) under Wine:
#   ./scripts/wine_ctest.sh [ctest args...]   e.g. -R Frame, --output-on-failure, -j 1
# Exits with ctest's status. Build first:
#   ./scripts/build_windows_deps.sh && cmake --preset windows && cmake --build --preset windows
# CHAT_WINE_BUILD_DIR=<dir> runs the tests of another cross build tree (plain ctest, no preset).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${CHAT_WINE_BUILD_DIR:-}" ]; then
  exec ./scripts/with_wine.sh ctest --test-dir "$CHAT_WINE_BUILD_DIR" "$@"
fi
exec ./scripts/with_wine.sh ctest --preset windows "$@"
