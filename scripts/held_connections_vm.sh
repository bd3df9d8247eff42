#!/usr/bin/env bash
# Holds more connections than this machine lets one process open: boots Debian's kernel under
# QEMU with an initramfs of busybox, chat_server and chat_bot, raises the open-file limit inside
# (where it is root with every capability), and runs the bot's idle scenario against the server.
# Prints the bot's JSON and the server's warnings; exits with the bot's exit code.
#
# Why a VM: a container without CAP_SYS_RESOURCE cannot raise its hard open-file limit (20,000
# on the machines docs/benchmarks.md describes), and the server needs one descriptor per client.
# QEMU runs without KVM here (software emulation), so the timings it prints are not this
# machine's speed; the counts and the memory per connection are the point.
#
# usage: scripts/held_connections_vm.sh [--clients N] [--hold SECONDS] [--vm-memory MIB]
#                                        [--io-backend auto|epoll|uring] [--kvm]
set -euo pipefail
cd "$(dirname "$0")/.."

clients=50000
hold=20
vm_memory=8192
io_backend=auto
accel=tcg,thread=multi
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients=$2; shift 2 ;;
    --hold) hold=$2; shift 2 ;;
    --vm-memory) vm_memory=$2; shift 2 ;;
    --io-backend) io_backend=$2; shift 2 ;;
    --kvm) accel=kvm; shift ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "held_connections_vm: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
done

case "$io_backend" in
  auto | epoll | uring) ;;
  *) echo "held_connections_vm: --io-backend is auto, epoll or uring, not $io_backend" >&2; exit 2 ;;
esac

./scripts/install_deps.sh --vm
cmake --preset release >/dev/null
cmake --build --preset release --target chat_server chat_bot >&2

vm_dir=build/vm
mkdir -p "$vm_dir"

# The kernel: whatever linux-image-amd64 points at today, downloaded once (not installed).
kernels=("$vm_dir"/vmlinuz-*)
if [ ! -e "${kernels[0]}" ]; then
  image_package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ { print $2; exit }')
  (cd "$vm_dir" && apt-get download -q "$image_package")
  dpkg-deb --fsys-tarfile "$vm_dir/${image_package}"_*.deb |
    tar -x -C "$vm_dir" --strip-components=2 --wildcards './boot/vmlinuz-*'
  rm -f "$vm_dir/${image_package}"_*.deb
  kernels=("$vm_dir"/vmlinuz-*)
fi
kernel=${kernels[0]}

# The initramfs: busybox for the shell, the two programs and the shared libraries they load.
root=$vm_dir/root
rm -rf "$root"
mkdir -p "$root"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/"
for applet in sh mount ip cat grep sleep poweroff; do ln -s busybox "$root/bin/$applet"; done
for program in build/release/src/server/chat_server build/release/src/client/chat_bot; do
  cp "$program" "$root/bin/"
  for library in $(ldd "$program" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
  done
done

open_files=$((clients * 2 + 1000)) # the bot's side and the server's side, plus room to spare
cat >"$root/init" <<EOF
#!/bin/sh
echo # the firmware's last line has no end
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
ip link set lo up
echo "1024 65535" > /proc/sys/net/ipv4/ip_local_port_range
echo 65535 > /proc/sys/net/core/somaxconn
# Debian's kernel backs all anonymous memory with huge pages where it can; Debian machines and
# the one docs/benchmarks.md measures on do so only where asked (madvise), which is what the
# server's memory per connection is compared with.
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled
ulimit -n $open_files
cd /tmp
chat_server --port 15410 --max-clients $clients --flood-rate 0 --db "" --no-console \
  --log-level warn --io-backend $io_backend > server.log 2>&1 &
server=\$!
tries=0
until grep -q listening server.log; do
  tries=\$((tries + 1))
  if [ \$tries -gt 300 ]; then # a minute
    echo "vm: bot exit code 1"; echo "vm: the server did not start"; cat server.log
    echo "vm: end"; poweroff -f
  fi
  sleep 0.2
done
chat_bot --port 15410 --scenario idle --clients $clients --hold $hold --duration 3600 \
  --io-backend $io_backend --server-pid \$server --json --no-progress > bot.json 2> bot.err
echo "vm: bot exit code \$?"
echo "vm: bot json"; cat bot.json
echo "vm: bot stderr"; cat bot.err
echo "vm: server log"; cat server.log
echo "vm: end"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$vm_dir/initrd.gz"

log=$vm_dir/console.log
echo "held_connections_vm: booting $(basename "$kernel") with $clients clients, log in $log" >&2
# Bounded like every run: the bot's --duration (an hour) plus the boot and the goodbyes.
timeout 4000 qemu-system-x86_64 -accel "$accel" -smp "$(nproc)" -m "$vm_memory" -nographic -no-reboot \
  -net none -kernel "$kernel" -initrd "$vm_dir/initrd.gz" \
  -append "console=ttyS0 quiet panic=-1" </dev/null >"$log" 2>&1 ||
  echo "held_connections_vm: QEMU failed or the VM did not end within 4000 s ($log)" >&2

# The console's text without carriage returns and the firmware's terminal escapes.
console=$(tr -d '\r' <"$log" | sed 's/\x1bc//g; s/\x1b\[[0-9;?]*[A-Za-z]//g')
sed -n '/^vm: bot exit code/,/^vm: end/p' <<<"$console"
code=$(sed -n 's/^vm: bot exit code \([0-9]*\)$/\1/p' <<<"$console")
exit "${code:-1}"
