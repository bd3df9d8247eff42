#!/usr/bin/env bash
# Installs whatever Debian packages the build needs and are missing; does nothing when all are
# present. Called by run_server.sh and test.sh, so a fresh Debian 12 machine needs no set-up.
# `install_deps.sh --windows` also installs the Windows cross build's tools (mingw-w64, Wine);
# they are opt-in because Wine alone takes about 700 MB. `--fuzz` adds clang and its libFuzzer
# runtime for the `fuzz` preset (test.sh asks for both). `--vm` adds what
# held_connections_vm.sh boots its virtual machine with.
set -euo pipefail

# Build tools and the libraries of docs/architecture.md ("Dependencies").
packages=(
  g++ cmake ninja-build
  libprotobuf-dev protobuf-compiler   # wire format
  libfmt-dev                          # log and console formatting
  libcli11-dev                        # command-line flags
  googletest                          # GoogleTest sources, built with our sanitizer flags
  clang-format                        # the Style.ClangFormat test keeps the tree formatted
  libbenchmark-dev                    # bench/: Google Benchmark microbenchmarks (not in ctest)
  liburing-dev pkg-config             # the io_uring backend (--io-backend uring)
  libsqlite3-dev                      # message history, stored in SQLite
  libsodium-dev                       # random salts, base64, wiping secrets, constant-time compare
  libargon2-dev                       # account passwords, hashed with Argon2id (argon2_ctx)
  libutf8proc-dev                     # the console client: grapheme clusters and display widths
  tmux                                # the terminal test runs chat_client in a tmux pane
  python3-protobuf                    # examples/python: the Python client and its ctest
  libsystemd-dev                      # chat_server's systemd notifications (sd_notify, watchdog)
  systemd                             # systemd-analyze: the package test verifies the unit
  dpkg-dev                            # dpkg-shlibdeps: CPack's .deb names the libraries it needs
)

# The Windows cross build (preset `windows`, scripts/build_windows_deps.sh). The host's protoc,
# fmt, CLI11 and GoogleTest sources above are reused by it.
windows_packages=(
  g++-mingw-w64-x86-64-posix          # posix threads model: std::thread and std::mutex need it
  wine64                              # runs the test executables under ctest
  dpkg-dev                            # dpkg-source, to unpack Debian's protobuf, sqlite3,
                                      # libsodium, fmtlib and utf8proc source packages
                                      # (argon2's is an upstream tarball, unpacked with tar)
  make                                # the Makefiles of SQLite's and libsodium's configure
  tcl                                 # tclsh: SQLite's tree generates the sqlite3.c amalgamation
  autoconf automake libtool           # libsodium's source (a git export) has no configure yet
)

# The fuzz preset (tests/fuzz): clang with -fsanitize=fuzzer, whose runtime is in libclang-rt.
fuzz_packages=(
  clang libclang-rt-dev
)

# held_connections_vm.sh: a Debian kernel booted under QEMU with a busybox initramfs, where the
# open-file limit can be raised past what this machine allows a process.
vm_packages=(
  qemu-system-x86 busybox-static cpio
)

for option in "$@"; do
  case "$option" in
    --windows) packages+=("${windows_packages[@]}") ;;
    --fuzz) packages+=("${fuzz_packages[@]}") ;;
    --vm) packages+=("${vm_packages[@]}") ;;
    *) echo "usage: install_deps.sh [--windows] [--fuzz] [--vm]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install_deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps: need root or sudo for apt-get" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
apt_install() { $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; }
# A fresh machine may have stale or empty package lists: refresh once and retry.
apt_install || { $sudo apt-get update -q </dev/null && apt_install; }
