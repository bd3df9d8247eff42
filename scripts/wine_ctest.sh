#!/usr/bin/env bash
# Runs the Windows tests (preset `windows`, cross-built with mingw-w64) under Wine:
#   ./scripts/wine_ctest.sh [ctest args...]   e.g. -R Frame, --output-on-failure, -j 1
# Exits with ctest's status. Build first:
#   ./scripts/build_windows_deps.sh && cmake --preset windows && cmake --build --preset windows
# CHAT_WINE_BUILD_DIR=<dir> runs the tests of another cross build tree (plain ctest, no preset).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${CHAT_WINE_BUILD_DIR:-$PWD/build/windows}
[ -f "$build/CMakeCache.txt" ] || {
  echo "wine_ctest: no build in $build: cmake --preset windows && cmake --build --preset windows" >&2
  exit 1
}

# The same environment as the `windows` test preset (keep the two in sync). A prefix of our own
# in the build tree; no Wine debug output mixed into the tests'; winedbg disabled, else Wine's
# automatic debugger can turn a crash into exit code 0; no Mono/Gecko install attempts.
export WINEPREFIX=$build/wineprefix
export WINEDEBUG=-all
export WINEDLLOVERRIDES="winedbg.exe=d;mscoree,mshtml=d"
# Headless: no windows, no dialogs (wineboot would show one while it updates the prefix).
unset DISPLAY WAYLAND_DISPLAY

# The Wine the build runs tests with (the toolchain file's CHAT_WINE), and its wineserver.
wine=$(sed -n 's/^CHAT_WINE:[A-Z]*=//p' "$build/CMakeCache.txt")
[ -x "$wine" ] || { echo "wine_ctest: no Wine ($wine): scripts/install_deps.sh --windows" >&2; exit 1; }
wineserver=$(dirname "$wine")/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver)

# Start the server and the prefix's background processes (services, explorer, ...) now, with all
# their output to /dev/null. Started by the first test instead, they would inherit ctest's pipes
# and ctest would wait for them to close: slow runs, or a hang after the last test.
mkdir -p "$WINEPREFIX"
# A server left over in this prefix (an interrupted run, a debugging session) would make
# `wineserver -p` fail, and its processes may hold someone else's pipes: end it first.
"$wineserver" -k >/dev/null 2>&1 </dev/null || true
"$wineserver" -w >/dev/null 2>&1 </dev/null || true
trap '"$wineserver" -k >/dev/null 2>&1 || true' EXIT
"$wineserver" -p >/dev/null 2>&1 </dev/null || { echo "wine_ctest: $wineserver -p failed" >&2; exit 1; }
"$wine" wineboot --init >/dev/null 2>&1 </dev/null || { echo "wine_ctest: wineboot failed" >&2; exit 1; }

status=0
if [ -n "${CHAT_WINE_BUILD_DIR:-}" ]; then
  ctest --test-dir "$build" "$@" || status=$?
else
  ctest --preset windows "$@" || status=$?
fi
exit $status
