#!/usr/bin/env bash
# Builds the .deb with CPack, unpacks it into a temporary root (dpkg-deb -x) and runs what it
# installed from there: chat_server with the packaged configuration, chat_client against it; and
# checks the systemd unit with systemd-analyze verify where that is installed.
#   package_test.sh <build dir>
set -euo pipefail
build=$1
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package_test: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$work"/out/*.deb)
dpkg-deb -I "$deb" >"$work/info"
grep -q "^ Package: chatserver$" "$work/info" || fail "not the chatserver package: $(cat "$work/info")"
grep -q "^ Depends: .*libprotobuf" "$work/info" || fail "no Depends on protobuf: $(cat "$work/info")"
dpkg-deb -I "$deb" conffiles | grep -qx "/etc/chat_server/chat_server.toml" ||
  fail "the configuration is not a conffile"
for script in postinst prerm postrm; do  # systemd hears of the unit; upgrades restart, removals stop
  dpkg-deb -I "$deb" "$script" >"$work/$script" 2>/dev/null || fail "the package has no $script"
  sh -n "$work/$script" || fail "$script is not a valid sh script"
done
grep -q "try-restart chat_server.service" "$work/postinst" || fail "postinst restarts nothing on upgrade"
grep -q "stop chat_server.service" "$work/prerm" || fail "prerm does not stop the server on removal"
root=$work/root
dpkg-deb -x "$deb" "$root"
for f in usr/bin/chat_server usr/bin/chat_client usr/bin/chat_bot etc/chat_server/chat_server.toml \
         usr/lib/systemd/system/chat_server.service usr/share/doc/chatserver/README.md \
         usr/share/doc/chatserver/docs/protocol.md usr/share/doc/chatserver/examples/chat_server.toml; do
  [ -e "$root/$f" ] || fail "the package has no /$f"
done

"$root/usr/bin/chat_server" --version | grep -q "^chat_server .* (commit " || fail "--version"
"$root/usr/bin/chat_client" --version | grep -q "^chat_client .* (commit " || fail "client --version"

# The installed server with the packaged configuration (a free port, nothing stored on disk).
mkfifo "$work/server.out"
"$root/usr/bin/chat_server" --config "$root/etc/chat_server/chat_server.toml" --port 0 \
  --db :memory: --no-console >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
exec 3<"$work/server.out"
read -r -t 20 line <&3 || fail "the installed server printed no listening line: $(cat "$work/server.err")"
port=${line##*:}
[ "${line%:*}" = "listening on 127.0.0.1" ] || fail "unexpected first line '$line'"

out=$(printf 'hello from the package\n' |
      timeout 20 "$root/usr/bin/chat_client" --port "$port" --nick packaged) ||
  fail "the installed client failed: $out"
grep -q "^\[lobby\] <packaged> hello from the package$" <<<"$out" || fail "client saw: $out"

kill -INT "$server_pid"
for _ in $(seq 200); do  # its graceful shutdown takes --shutdown-grace (3 s): 20 s at most
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$server_pid" 2>/dev/null && fail "the server was still running 20 s after SIGINT"
wait "$server_pid" || fail "the server exited with $? after SIGINT"
server_pid=""

# cmake --install over an earlier install keeps the administrator's settings file.
DESTDIR="$work/installed" cmake --install "$build" --prefix /usr >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "cmake --install failed"; }
settings=$work/installed/etc/chat_server/chat_server.toml
[ -e "$work/installed/usr/lib/systemd/system/chat_server.service" ] || fail "cmake --install: no unit"
echo 'motd = "edited by the administrator"' >>"$settings"
DESTDIR="$work/installed" cmake --install "$build" --prefix /usr >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "the second cmake --install failed"; }
grep -q '^motd = "edited by the administrator"$' "$settings" ||
  fail "a second cmake --install overwrote the edited $settings"

if command -v systemd-analyze >/dev/null; then
  # The unit as packaged, but for its ExecStart, which must exist: the unpacked server's path.
  sed "s|/usr/bin/chat_server|$root/usr/bin/chat_server|" \
    "$root/usr/lib/systemd/system/chat_server.service" >"$work/chat_server.service"
  grep -q "^ExecStart=$root/usr/bin/chat_server --config /etc/chat_server/chat_server.toml" \
    "$work/chat_server.service" || fail "the unit's ExecStart is not /usr/bin/chat_server"
  systemd-analyze verify "$work/chat_server.service" >"$work/verify.log" 2>&1 ||
    { cat "$work/verify.log" >&2; fail "systemd-analyze verify"; }
  if grep -q . "$work/verify.log"; then
    cat "$work/verify.log" >&2
    fail "systemd-analyze verify had something to say about the unit"
  fi
fi
echo "package_test: $(basename "$deb") installs, runs and its unit verifies"
