#!/usr/bin/env bash
# Chat latency with and without a login flood (docs/benchmarks.md, issue 17 item 11). One round:
# a fresh server with the --auth-priority given, 4 accounts registered, a paced fan-out alone,
# then the same fan-out beside a 9 s login flood of 4 bots. Prints one line:
#   PRIORITY quiet p50/p99/p99.9 | flood p50/p99/p99.9 | logins/s   (milliseconds)
#   bench/login_flood.sh [--clients N] [--rate R] [idle|low|normal] [build dir, default build/release]
# The fan-out: N bots (default 200) in one room, 50 messages each of 64 bytes, R messages a second
# in all (default 2000), each delivered to every bot.
set -euo pipefail
clients=200
rate=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    *) break ;;
  esac
done
priority=${1:-low}
build=${2:-build/release}
server=$build/src/server/chat_server
bot=$build/src/client/chat_bot
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$server" --port 0 --log-level warn --flood-rate 0 --db "" --no-console --max-clients 2000 \
  --auth-priority "$priority" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do grep -q listening "$work/server.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/server.out" | head -n 1)
[ -n "$port" ] || { echo "the server did not start: $(cat "$work/server.err")" >&2; exit 1; }

fanout() { "$bot" --port "$port" --scenario fanout --clients "$clients" --messages 50 --size 64 --rate "$rate" --json --no-progress; }
"$bot" --port "$port" --scenario login --clients 4 --messages 1 --nick-prefix flood --json \
  --no-progress >/dev/null
fanout >"$work/quiet.json"
"$bot" --port "$port" --scenario login --clients 4 --messages 100000 --duration 9 \
  --nick-prefix flood --json --no-progress >"$work/flood.json" &
flood_pid=$!
sleep 1
fanout >"$work/loaded.json"
wait "$flood_pid" || true  # it ends by its --duration, which it reports as not done
kill -INT "$server_pid"
wait "$server_pid" || true
server_pid=""

python3 - "$work" "$priority" <<'PY'
import json, sys
work, priority = sys.argv[1:]
def latency(name):
    run = json.load(open(f"{work}/{name}.json"))
    l = run["latency_us"]
    ok = "ok" if run["ok"] else "NOT OK"
    return f"{l['p50']/1e3:.2f}/{l['p99']/1e3:.2f}/{l['p999']/1e3:.2f} {ok}"
flood = json.load(open(f"{work}/flood.json"))
print(f"{priority} quiet {latency('quiet')} | flood {latency('loaded')} | logins/s {flood['logins_per_s']}")
PY
