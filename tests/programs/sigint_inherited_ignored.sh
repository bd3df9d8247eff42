#!/bin/sh
# A server started where SIGINT is ignored (any `cmd &` in a non-interactive shell script) must
# still shut down gracefully on SIGINT, as docs promise. Usage: sigint_inherited_ignored.sh SERVER
set -u
server=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
(trap '' INT; exec "$server" --port 0 --log-level warn >"$out") &
pid=$!
i=0
until grep -q '^listening on ' "$out"; do
  i=$((i + 1))
  if [ $i -gt 100 ]; then echo "no listening line"; kill -KILL $pid; exit 1; fi
  sleep 0.1
done
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 100 ]; then echo "SIGINT did not stop the server"; kill -KILL $pid; exit 1; fi
  sleep 0.1
done
wait $pid
status=$?
[ $status -eq 0 ] || { echo "exit status $status, expected 0"; exit 1; }
echo "stopped by SIGINT with status 0"
