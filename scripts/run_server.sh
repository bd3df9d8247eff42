#!/usr/bin/env bash
# The README's run command: installs what is missing, builds the release preset, starts
# chat_server with the given flags (none: 127.0.0.1, first free port from 15410).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target chat_server chat_client chat_bot >&2
exec ./build/release/src/server/chat_server "$@"
