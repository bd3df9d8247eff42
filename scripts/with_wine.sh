#!/usr/bin/env bash
# Runs a command with Wine ready for it: the Windows build's own prefix, quiet, headless, and
# Wine's background processes already started. ctest under it can run Windows executables (the
# `windows` preset's tests, or the Linux build's cross tests) without slow runs or hangs.
#   ./scripts/with_wine.sh COMMAND [ARGS...]       e.g. ctest --preset windows -R Frame
# Exits with the command's status. CHAT_WINE_BUILD_DIR=<dir> picks another Windows build tree
# (default build/windows); its CMakeCache.txt names the Wine to use.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: with_wine.sh COMMAND [ARGS...]" >&2; exit 2; }
build=${CHAT_WINE_BUILD_DIR:-$PWD/build/windows}
[ -f "$build/CMakeCache.txt" ] || {
  echo "with_wine: no Windows build in $build: cmake --preset windows && cmake --build --preset windows" >&2
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
[ -x "$wine" ] || { echo "with_wine: no Wine ($wine): scripts/install_deps.sh --windows" >&2; exit 1; }
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
"$wineserver" -p >/dev/null 2>&1 </dev/null || { echo "with_wine: $wineserver -p failed" >&2; exit 1; }
"$wine" wineboot --init >/dev/null 2>&1 </dev/null || { echo "with_wine: wineboot failed" >&2; exit 1; }

status=0
"$@" || status=$?
exit $status
