#!/usr/bin/env bash
# A local chat to try things in, the Linux twin of scripts/demo.ps1: chat_server, N chat_clients
# and chat_bot, each in a pane of one tmux session (tmux: scripts/install_deps.sh installs it).
#   ./scripts/demo.sh [clients]        e.g. ./scripts/demo.sh 3   (default 3, at most 8)
# CHAT_DEMO_PORT (15410) and CHAT_DEMO_BUILD (build/release) change the port and the build.
# The clients join as alice, bob, carol, ...; the bots chat in room "bots" (/join bots to watch)
# for half a minute. Ctrl+C in the server's pane shuts it down gracefully; `tmux kill-session -t
# chatdemo` ends everything.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-3}
port=${CHAT_DEMO_PORT:-15410}
build=${CHAT_DEMO_BUILD:-build/release}
case "$clients" in
  [0-8]) ;;
  *) echo "usage: $0 [clients: 0 to 8]" >&2; exit 2 ;;
esac
command -v tmux >/dev/null || { echo "tmux is needed: ./scripts/install_deps.sh installs it" >&2; exit 1; }
for program in src/server/chat_server src/client/chat_client src/client/chat_bot; do
  [ -x "$build/$program" ] || {
    echo "$build/$program not found: cmake --preset release && cmake --build --preset release" >&2
    exit 1
  }
done
if tmux has-session -t chatdemo 2>/dev/null; then
  echo "a chatdemo tmux session is running already: tmux attach -t chatdemo" >&2
  exit 1
fi

bin=$(cd "$build" && pwd)
names=(alice bob carol dave erin frank grace heidi)
# Waits (at most 30 s) until the server accepts connections, then runs the bots.
wait_then_bots="for i in \$(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done; \
'$bin/src/client/chat_bot' --port $port --scenario fanout --room bots --clients 10 --messages 60 --rate 20; \
echo \"chat_bot exited with \$? (0: every delivery checked)\"; read -r -p 'Enter closes this pane '"

tmux new-session -d -s chatdemo -n chat \
  "'$bin/src/server/chat_server' --port $port --flood-rate 0 --whisper-bytes-per-s 0 --db :memory:; read -r -p 'server ended; Enter closes this pane '"
for ((i = 0; i < clients; i++)); do
  tmux split-window -t chatdemo:chat \
    "'$bin/src/client/chat_client' --port $port --nick ${names[i]} --wait-for-server 30; read -r -p 'Enter closes this pane '"
  tmux select-layout -t chatdemo:chat tiled >/dev/null
done
tmux split-window -t chatdemo:chat "$wait_then_bots"
tmux select-layout -t chatdemo:chat tiled >/dev/null
if [ -t 1 ]; then
  exec tmux attach -t chatdemo
fi
echo "started: tmux attach -t chatdemo"
