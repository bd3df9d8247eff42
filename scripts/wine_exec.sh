#!/usr/bin/env bash
# The Windows build's CMAKE_CROSSCOMPILING_EMULATOR: runs one Windows executable under Wine,
#   wine_exec.sh WINE PROGRAM.exe [ARGS...]
# Why not Wine directly: now and then, with many processes starting at once in one prefix, Wine
# fails to start a program at all; it exits non-zero having printed nothing. Everything ctest
# runs prints before it can fail (Google Test prints its banner first), so failure with no output
# means the program never ran: this says so on stderr and starts it once more. Any other outcome,
# its output and its exit status, is the program's own and is passed on unchanged.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: wine_exec.sh WINE PROGRAM [ARGS...]" >&2; exit 2; }
wine=$1
shift
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
for attempt in 1 2; do
  "$wine" "$@" >"$out" 2>"$err"
  status=$?
  if [ "$status" -eq 0 ] || [ -s "$out" ] || [ -s "$err" ] || [ "$attempt" -eq 2 ]; then
    break
  fi
  echo "wine_exec: Wine exited $status without running $1; starting it again" >&2
done
cat "$out"
cat "$err" >&2
exit "$status"
