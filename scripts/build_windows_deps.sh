#!/usr/bin/env bash
# Builds the Windows (mingw-w64) libraries the `windows` preset links:
#   install/lib/libprotobuf.a + cmake config  full protobuf, built from Debian's own source package
#                                             so it matches the host's protoc, which generates code
#   install/lib/libsqlite3.a + sqlite3.h      SQLite (its amalgamation, thread-safe), from
#                                             Debian's sqlite3 source package
#   install/lib/libsodium.a + sodium.h        static libsodium, from Debian's libsodium source
#   install/lib/libfmt.a + cmake config       static fmt, from Debian's fmtlib source
#   install/lib/libutf8proc.a + utf8proc.h    static utf8proc, from Debian's utf8proc source
#   install/lib/libargon2.a + argon2.h        static libargon2, from Debian's argon2 source
#                                             (upstream tarball only: see tarball_from below)
#   install/include/CLI                       header-only CLI11, copied from the host
# Each source package is fetched at the version of the host's own library (libprotobuf-dev,
# libsqlite3-dev, ...), from the host's Debian mirror, unless tarball_from names another.
#
# Cached outside the clone, so that every clone and CI job on the machine shares one build:
#   ${CHAT_WINDOWS_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatserver}/windows-deps-<key>
# The key is a hash of what the result depends on: the versions of the source packages, of the
# mingw-w64 compiler, runtime and binutils, of protoc, and the text of this script and of the
# toolchain file. Anything of these changes, and the next run builds into a new directory;
# nothing is ever rebuilt in place. The directory's manifest.txt lists the key's inputs. Old
# windows-deps-* directories can be deleted at any time.
# A half-built cache cannot be taken for a whole one: the build happens in a temporary directory
# beside it, which is renamed to windows-deps-<key> (one atomic rename) only once complete. Two
# runs at once build once: the second waits on a lock and then finds the result.
#
#   build_windows_deps.sh                builds, unless the directory for the current key exists
#   build_windows_deps.sh --print-prefix prints the install prefix for the current key, and does
#                                        nothing else (cmake/mingw-w64-x86_64.cmake asks it)
# CHAT_WINDOWS_DEPS_DIR=<dir> uses <dir> instead of the keyed directory; set it for
# `cmake --preset windows` too (the toolchain file asks --print-prefix), or pass
# -DCHAT_WINDOWS_DEPS_PREFIX=<dir>/install.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
toolchain=$repo/cmake/mingw-w64-x86_64.cmake
# The toolchain file's target and C compiler, for the libraries not built with CMake.
host=x86_64-w64-mingw32
cc=$host-gcc-posix

# Debian source packages, built in this order; build_<name> below builds each one. Each is
# fetched at the source version of the host's binary package named in host_package.
libraries=(protobuf sqlite3 libsodium fmtlib utf8proc argon2)
declare -A host_package=([protobuf]=libprotobuf-dev [sqlite3]=libsqlite3-dev
                         [libsodium]=libsodium-dev [fmtlib]=libfmt-dev [utf8proc]=libutf8proc-dev
                         [argon2]=libargon2-dev [cli11]=libcli11-dev)
# Source packages whose upstream tarball the mirror does not serve at the host's version: each is
# fetched instead as "suite version", the upstream tarball alone (apt-get source --tar-only,
# checked against that suite's signed index), without Debian's packaging and patches.
# argon2: the mirror has no argon2_0~20171227.orig.tar.gz (bookworm's libargon2-dev). Trixie's
# 20190702 is upstream's next release: the same API and the same Argon2 version 1.3 (identical
# hashes), and bookworm's two patches only touch the Makefile for Hurd and kFreeBSD.
declare -A tarball_from=([argon2]="trixie 0~20190702+dfsg-4")
# What compiles and links them (the toolchain file names these compilers).
toolchain_packages=(gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix
                    gcc-mingw-w64-x86-64-posix-runtime mingw-w64-x86-64-dev
                    binutils-mingw-w64-x86-64)

source_version() {
  if [ -n "${tarball_from[$1]:-}" ]; then
    echo "${tarball_from[$1]#* }"
  else
    dpkg-query -W -f='${source:Version}' "${host_package[$1]}" 2>/dev/null || echo "not-installed"
  fi
}

# The key's inputs, one per line; the key is the start of their SHA-256.
manifest() {
  local lib pkg
  for lib in "${libraries[@]}" cli11; do
    if [ -n "${tarball_from[$lib]:-}" ]; then
      echo "source $lib $(source_version "$lib") (${tarball_from[$lib]%% *} upstream tarball)"
    else
      echo "source $lib $(source_version "$lib")"
    fi
  done
  for pkg in "${toolchain_packages[@]}"; do
    echo "toolchain $pkg $(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo not-installed)"
  done
  echo "protoc $(protoc --version 2>/dev/null || echo not-installed)"
  echo "script $(sha256sum <"$repo/scripts/build_windows_deps.sh" | cut -d' ' -f1)"
  echo "toolchain-file $(sha256sum <"$toolchain" | cut -d' ' -f1)"
}

# Sets key_inputs and deps (the directory for them).
find_deps_dir() {
  key_inputs=$(manifest)
  if [ -n "${CHAT_WINDOWS_DEPS_DIR:-}" ]; then
    deps=$CHAT_WINDOWS_DEPS_DIR
  else
    local cache=${CHAT_WINDOWS_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatserver}
    deps=$cache/windows-deps-$(echo "$key_inputs" | sha256sum | cut -c1-16)
  fi
}

case "${1:-}" in
  --print-prefix) find_deps_dir; echo "$deps/install"; exit 0 ;;
  "") ;;
  *) echo "usage: build_windows_deps.sh [--print-prefix]" >&2; exit 2 ;;
esac

if [ -d "$repo/build/windows-deps" ]; then
  echo "build_windows_deps: $repo/build/windows-deps/ is no longer used (the cache is outside" \
       "the clone now); it can be deleted" >&2
fi

# The key names the toolchain's versions: install it (if missing) before computing the key.
./scripts/install_deps.sh --windows
find_deps_dir
prefix=$deps/install
if [ -f "$deps/manifest.txt" ]; then
  echo "build_windows_deps: up to date in $prefix"
  exit 0
fi
mkdir -p "$(dirname "$deps")"
# One build per key at a time; whoever waited here finds the other's result.
exec 9>"$deps.lock"
flock 9
if [ -f "$deps/manifest.txt" ]; then
  echo "build_windows_deps: up to date in $prefix (built meanwhile by another run)"
  exit 0
fi
if [ -e "$deps" ]; then
  echo "build_windows_deps: $deps exists but has no manifest.txt (not built by this script);" \
       "remove it" >&2
  exit 1
fi

# Everything happens in a temporary directory beside the result, on the same file system:
#   stage/work      sources, apt's lists and the build trees (thrown away)
#   stage/destdir   `make install DESTDIR=`: the files land in stage/destdir$prefix, while the
#                   libraries' own config files (protobuf's and fmt's CMake packages) already
#                   name $prefix, where they will be after the rename
#   stage/result    becomes $deps: install/, logs/ and, written last, manifest.txt
stage=$(mktemp -d "$deps.tmp.XXXXXX")
work=$stage/work
destdir=$stage/destdir
logs=$stage/result/logs
# On failure only the logs are kept, in $deps.failed-logs/.
cleanup() {
  if [ ! -d "$deps" ] && [ -d "$logs" ]; then
    rm -rf "$deps.failed-logs"
    mv "$logs" "$deps.failed-logs"
    echo "build_windows_deps: failed; the logs are in $deps.failed-logs/" >&2
  fi
  rm -rf "$stage"
}
trap cleanup EXIT
mkdir -p "$work" "$destdir$prefix" "$logs"

# Debian's source packages, fetched with apt but with lists and caches of our own: the machine's
# apt configuration and state are not touched. Same mirror as the host, with its updates and
# security suites, where a host library's version may come from.
src=$work/src
mirror=${CHAT_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hoE '(URIs:|deb) +https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list \
             /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
           | head -n 1 | awk '{print $2}' || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}
security=${CHAT_DEBIAN_SECURITY_MIRROR:-}
if [ -z "$security" ]; then
  security=$(grep -hoE '(URIs:|deb) +https?://[^ ]*/debian-security/?( |$)' /etc/apt/sources.list \
               /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
             | head -n 1 | awk '{print $2}' || true)
fi
security=${security:-http://deb.debian.org/debian-security}
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
apt_dir=$work/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
{
  echo "deb-src $mirror $codename main"
  echo "deb-src $mirror $codename-updates main"
  echo "deb-src $security $codename-security main"
  for lib in "${!tarball_from[@]}"; do
    suite=${tarball_from[$lib]%% *}
    if [ "$suite" != "$codename" ]; then echo "deb-src $mirror $suite main"; fi
  done | sort -u
} >"$apt_dir/sources.list"
apt_opts=(-q -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
          -o APT::Sandbox::User=root)   # _apt cannot write into our directory
echo "build_windows_deps: fetching ${libraries[*]} source from $mirror ($codename)" >&2
apt-get "${apt_opts[@]}" update </dev/null >"$logs/apt-update.log"
for lib in "${libraries[@]}"; do
  version=$(source_version "$lib")
  mkdir -p "$src/$lib"
  if [ -n "${tarball_from[$lib]:-}" ]; then
    # Unpacked by hand, as $lib-<upstream version>/ like dpkg-source's directories.
    if ! (cd "$src/$lib" && apt-get "${apt_opts[@]}" source --tar-only "$lib=$version" </dev/null) \
           >"$logs/$lib-fetch.log" 2>&1; then
      echo "build_windows_deps: could not fetch the $lib upstream tarball of" \
           "${tarball_from[$lib]} (pinned in tarball_from; does the mirror still have it?)" >&2
      exit 1
    fi
    upstream=${version%-*}
    upstream=${upstream#*:}
    mkdir "$src/$lib/$lib-$upstream"
    tar -xf "$src/$lib/${lib}_$upstream.orig.tar."[gx]z -C "$src/$lib/$lib-$upstream" \
      --strip-components=1
    continue
  fi
  # dpkg-source -x (run by apt-get source) applies Debian's patches, as in the host's library.
  if ! (cd "$src/$lib" && apt-get "${apt_opts[@]}" source "$lib=$version" </dev/null) \
         >"$logs/$lib-fetch.log" 2>&1; then
    echo "build_windows_deps: could not fetch the $lib source at the host's version $version" \
         "(${host_package[$lib]}; is the host up to date?)" >&2
    exit 1
  fi
done
source_dir() {
  local dir
  dir=$(find "$src/$1" -mindepth 1 -maxdepth 1 -type d -name "$1-*" | head -n 1)
  [ -n "$dir" ] || { echo "build_windows_deps: no $1 source in $src/$1" >&2; exit 1; }
  echo "$dir"
}

# Full libprotobuf (the project uses reflection and UnknownFieldSet), static, no protoc (the
# host's is used), no zlib (the project does not use gzip streams, and mingw has no zlib here).
build_protobuf() {
  local srcdir=$1 protoc_version
  # The library must be the protoc's version: generated code refuses other runtime versions.
  protoc_version=$(protoc --version | awk '{print $2}')
  case "$(basename "$srcdir")" in
    "protobuf-$protoc_version") ;;
    *) echo "build_windows_deps: $srcdir does not match protoc $protoc_version" >&2; exit 1 ;;
  esac
  cmake -S "$srcdir" -B "$work/build-protobuf" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCHAT_WINDOWS_DEPS_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -Dprotobuf_BUILD_TESTS=OFF -Dprotobuf_BUILD_PROTOC_BINARIES=OFF -Dprotobuf_BUILD_LIBPROTOC=OFF \
    -Dprotobuf_BUILD_SHARED_LIBS=OFF -Dprotobuf_WITH_ZLIB=OFF -Dprotobuf_BUILD_EXAMPLES=OFF \
    >"$logs/protobuf-configure.log"
  DESTDIR=$destdir cmake --build "$work/build-protobuf" --target install >"$logs/protobuf-build.log"
}

# SQLite as its amalgamation: the whole library in one sqlite3.c, which Debian's source (SQLite's
# full tree) does not contain. Its configure, run for the build machine, gives the Makefile that
# generates it (with the host's gcc for lemon and tclsh for the scripts); nothing of that build is
# installed. The Windows library is then that one file, compiled with the mingw compiler.
build_sqlite3() {
  local srcdir=$1 build=$work/build-sqlite3
  mkdir -p "$build"
  (cd "$build" && "$srcdir/configure" --disable-tcl --disable-readline) \
    >"$logs/sqlite3-configure.log"
  make -C "$build" sqlite3.c >"$logs/sqlite3-build.log"
  # Thread-safe (the server's worker threads share it); math functions, as SQLite's own build and
  # Debian's library have them; no loading of extension DLLs. Otherwise SQLite's defaults.
  "$cc" -O2 -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_OMIT_LOAD_EXTENSION \
    -c "$build/sqlite3.c" -o "$build/sqlite3.o"
  "$host-ar" rcs "$build/libsqlite3.a" "$build/sqlite3.o"
  install -D -m 644 "$build/libsqlite3.a" "$destdir$prefix/lib/libsqlite3.a"
  install -D -m 644 "$build/sqlite3.h" "$destdir$prefix/include/sqlite3.h"
}

# Static libsodium with its own autotools build, cross-compiled (Windows' RtlGenRandom for random
# bytes). Debian's source is a git export without configure, generated first as Debian's build
# does (autoreconf; not the upstream autogen.sh, which downloads config.guess with curl). Built
# out of the source tree; -O2 without autoconf's default -g, as the other libraries.
build_libsodium() {
  local srcdir=$1 build=$work/build-libsodium
  (cd "$srcdir" && autoreconf -fi) >"$logs/libsodium-autoreconf.log" 2>&1
  mkdir -p "$build"
  (cd "$build" && "$srcdir/configure" --host="$host" CC="$cc" CFLAGS=-O2 --prefix="$prefix" \
                    --disable-shared --enable-static) >"$logs/libsodium-configure.log"
  make -C "$build" -j"$(nproc)" install DESTDIR="$destdir" >"$logs/libsodium-build.log"
}

# fmt compiled once into a static library, as Debian's libfmt is for Linux. Header-only, its
# implementation would be compiled again in every file that logs, several seconds each.
build_fmtlib() {
  local srcdir=$1
  cmake -S "$srcdir" -B "$work/build-fmtlib" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCHAT_WINDOWS_DEPS_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DBUILD_SHARED_LIBS=OFF -DFMT_TEST=OFF -DFMT_DOC=OFF -DFMT_FUZZ=OFF \
    >"$logs/fmtlib-configure.log"
  DESTDIR=$destdir cmake --build "$work/build-fmtlib" --target install >"$logs/fmtlib-build.log"
}

# utf8proc is one C file (its Unicode tables are #included): compiled as a static library with
# the mingw compiler, UTF8PROC_STATIC as cmake/WindowsCrossDependencies.cmake gives its users.
build_utf8proc() {
  local srcdir=$1 build=$work/build-utf8proc
  mkdir -p "$build"
  "$cc" -O2 -DUTF8PROC_STATIC -I"$srcdir" -c "$srcdir/utf8proc.c" -o "$build/utf8proc.o" \
    >"$logs/utf8proc-build.log" 2>&1
  "$host-ar" rcs "$build/libutf8proc.a" "$build/utf8proc.o"
  install -D -m 644 "$build/libutf8proc.a" "$destdir$prefix/lib/libutf8proc.a"
  install -D -m 644 "$srcdir/utf8proc.h" "$destdir$prefix/include/utf8proc.h"
}

# libargon2 as upstream's Makefile builds it, less its shared-library flags: five C files and
# opt.c, the block function with SSE2 intrinsics, which every x86-64 has (without upstream's
# -march=native: the library runs elsewhere). Debian's amd64 library has ref.c, the portable one
# (its -march=x86_64 is refused, so the Makefile falls back); both give the same hashes. With
# threads (Windows threads under _WIN32), as Debian's; argon2.h needs no define for a static
# library with mingw (its ARGON2_PUBLIC is dllexport only with MSVC, empty otherwise).
build_argon2() {
  local srcdir=$1 build=$work/build-argon2 file objects=()
  mkdir -p "$build"
  for file in argon2 core encoding thread blake2/blake2b opt; do
    "$cc" -O2 -I"$srcdir/include" -I"$srcdir/src" -c "$srcdir/src/$file.c" \
      -o "$build/$(basename "$file").o" >>"$logs/argon2-build.log" 2>&1
    objects+=("$build/$(basename "$file").o")
  done
  "$host-ar" rcs "$build/libargon2.a" "${objects[@]}"
  install -D -m 644 "$build/libargon2.a" "$destdir$prefix/lib/libargon2.a"
  install -D -m 644 "$srcdir/include/argon2.h" "$destdir$prefix/include/argon2.h"
}

for lib in "${libraries[@]}"; do
  start=$SECONDS
  srcdir=$(source_dir "$lib")
  echo "build_windows_deps: building $(basename "$srcdir") for mingw-w64" >&2
  "build_$lib" "$srcdir"
  echo "build_windows_deps: $lib built ($((SECONDS - start)) s)" >&2
done

# The global names an archive defines, sorted, into file $2 (nm's errors fail the build).
global_definitions() {
  "$host-nm" -g --defined-only "$1" >"$2.nm"
  awk 'NF == 3 {print $3}' "$2.nm" | LC_ALL=C sort -u >"$2"
}

# libsodium carries its own copy of Argon2 (crypto_pwhash), with the reference implementation's
# global names: argon2_ctx, initial_hash, blake2b_long ... A static libsodium.a and libargon2.a
# in one program define each of them twice (Debian's shared libsodium exports none of them). Those
# names get a prefix inside libsodium.a, whose own objects are the only ones calling them.
separate_argon2_from_libsodium() {
  local lib=$destdir$prefix/lib names=$work/names renames=$work/libsodium-renames.txt
  mkdir -p "$names"
  global_definitions "$lib/libsodium.a" "$names/sodium"
  global_definitions "$lib/libargon2.a" "$names/argon2"
  LC_ALL=C comm -12 "$names/sodium" "$names/argon2" >"$names/both"
  # argon2_ctx is among them (libsodium's own, with another argon2_context): none found means
  # nm read nothing, not that there is nothing to do. libsodium's own API is never renamed.
  if ! grep -qx argon2_ctx "$names/both" ||
     grep -qE '^(crypto_|sodium_|randombytes_)' "$names/both"; then
    echo "build_windows_deps: unexpected names shared by libsodium.a and libargon2.a:" \
         "$(tr '\n' ' ' <"$names/both")" >&2
    exit 1
  fi
  awk '{print $1, "sodium_internal_" $1}' "$names/both" >"$renames"
  "$host-objcopy" --redefine-syms="$renames" "$lib/libsodium.a"
  global_definitions "$lib/libsodium.a" "$names/sodium"
  LC_ALL=C comm -12 "$names/sodium" "$names/argon2" >"$names/still"
  if [ -s "$names/still" ]; then
    echo "build_windows_deps: libsodium.a still defines names of libargon2.a" >&2
    exit 1
  fi
  echo "build_windows_deps: $(wc -l <"$renames") Argon2 names prefixed in libsodium.a" >&2
}
separate_argon2_from_libsodium

# Header-only CLI11: the same version as the Linux build. Only the headers are copied;
# cmake/WindowsCrossDependencies.cmake defines the target, since the host's CMake config names
# Linux paths.
mkdir -p "$destdir$prefix/include"
cp -r /usr/include/CLI "$destdir$prefix/include/"

mv "$destdir$prefix" "$stage/result/install"
echo "$key_inputs" >"$stage/result/manifest.txt"
mv -T "$stage/result" "$deps"
echo "build_windows_deps: installed in $prefix"
