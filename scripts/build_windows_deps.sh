#!/usr/bin/env bash
# Builds the Windows (mingw-w64) libraries the `windows` preset links, into build/windows-deps/:
#   install/lib/libprotobuf.a + cmake config  full protobuf, built from Debian's own source package
#                                             so it matches the host's protoc, which generates code
#   install/lib/libsqlite3.a + sqlite3.h      SQLite (its amalgamation, thread-safe), from
#                                             Debian's sqlite3 source package
#   install/lib/libsodium.a + sodium.h        static libsodium, from Debian's libsodium source
#   install/lib/libfmt.a + cmake config       static fmt, from Debian's fmtlib source
#   install/include/CLI                       header-only CLI11, copied from the host
# The source packages come from the host's Debian release, as do its own libraries.
# Cached: once installed, a second run does nothing; a library added to this script since the
# last run is built on its own, the ones already installed are kept. Delete build/windows-deps/
# to rebuild everything. CHAT_WINDOWS_DEPS_DIR overrides the directory (then pass
# -DCHAT_WINDOWS_DEPS_PREFIX=<it>/install).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
deps=${CHAT_WINDOWS_DEPS_DIR:-$repo/build/windows-deps}
prefix=$deps/install
toolchain=$repo/cmake/mingw-w64-x86_64.cmake
# The toolchain file's target and C compiler, for the libraries not built with CMake.
host=x86_64-w64-mingw32
cc=$host-gcc-posix

# Debian source packages, built in this order; build_<name> below builds each one.
libraries=(protobuf sqlite3 libsodium fmtlib)
# .complete is written last and names everything installed, so an interrupted run is redone
# rather than taken as done, and a tree from before a library was added is not up to date.
complete="${libraries[*]} CLI11"
if [ "$(cat "$prefix/.complete" 2>/dev/null)" = "$complete" ]; then
  echo "build_windows_deps: up to date in $prefix"
  exit 0
fi

./scripts/install_deps.sh --windows
mkdir -p "$prefix"

# Each library has a stamp of its own, written once it is installed. A tree from before these
# stamps has an empty .complete, written after protobuf (then the only library) was installed.
if [ -f "$prefix/.complete" ] && [ -f "$prefix/lib/libprotobuf.a" ]; then
  touch "$prefix/.built-protobuf"
fi
rm -f "$prefix/.complete"
todo=()
for lib in "${libraries[@]}"; do
  [ -f "$prefix/.built-$lib" ] || todo+=("$lib")
done

# Debian's source packages, fetched with apt but with lists and caches of our own in the build
# tree: the machine's apt configuration and state are not touched. Same mirror as the host.
# Each package is unpacked in src/<name>/, with a stamp once it is complete.
src=$deps/src
fetch=()
for lib in "${todo[@]}"; do
  [ -f "$src/$lib/.fetched" ] || fetch+=("$lib")
done
if [ ${#fetch[@]} -gt 0 ]; then
  mirror=${CHAT_DEBIAN_MIRROR:-}
  if [ -z "$mirror" ]; then
    mirror=$(grep -hoE '(URIs:|deb) +https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list \
               /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
             | head -n 1 | awk '{print $2}' || true)
  fi
  mirror=${mirror:-http://deb.debian.org/debian}
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  apt_dir=$deps/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  echo "deb-src $mirror $codename main" >"$apt_dir/sources.list"
  apt_opts=(-q -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
            -o APT::Sandbox::User=root)   # _apt cannot write into the build tree
  echo "build_windows_deps: fetching ${fetch[*]} source from $mirror ($codename)" >&2
  apt-get "${apt_opts[@]}" update </dev/null
  for lib in "${fetch[@]}"; do
    rm -rf "${src:?}/$lib"
    mkdir -p "$src/$lib"
    # dpkg-source -x (run by apt-get source) applies Debian's patches, as in the host's library.
    (cd "$src/$lib" && apt-get "${apt_opts[@]}" source "$lib" </dev/null)
    touch "$src/$lib/.fetched"
  done
fi
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
  cmake -S "$srcdir" -B "$deps/build-protobuf" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCHAT_WINDOWS_DEPS_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -Dprotobuf_BUILD_TESTS=OFF -Dprotobuf_BUILD_PROTOC_BINARIES=OFF -Dprotobuf_BUILD_LIBPROTOC=OFF \
    -Dprotobuf_BUILD_SHARED_LIBS=OFF -Dprotobuf_WITH_ZLIB=OFF -Dprotobuf_BUILD_EXAMPLES=OFF \
    >"$deps/protobuf-configure.log"
  cmake --build "$deps/build-protobuf" --target install >"$deps/protobuf-build.log"
}

# SQLite as its amalgamation: the whole library in one sqlite3.c, which Debian's source (SQLite's
# full tree) does not contain. Its configure, run for the build machine, gives the Makefile that
# generates it (with the host's gcc for lemon and tclsh for the scripts); nothing of that build is
# installed. The Windows library is then that one file, compiled with the mingw compiler.
build_sqlite3() {
  local srcdir=$1 build=$deps/build-sqlite3
  rm -rf "$build"
  mkdir -p "$build"
  (cd "$build" && "$srcdir/configure" --disable-tcl --disable-readline) \
    >"$deps/sqlite3-configure.log"
  make -C "$build" sqlite3.c >"$deps/sqlite3-build.log"
  # Thread-safe (the server's worker threads share it); math functions, as SQLite's own build and
  # Debian's library have them; no loading of extension DLLs. Otherwise SQLite's defaults.
  "$cc" -O2 -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_OMIT_LOAD_EXTENSION \
    -c "$build/sqlite3.c" -o "$build/sqlite3.o"
  rm -f "$build/libsqlite3.a"
  "$host-ar" rcs "$build/libsqlite3.a" "$build/sqlite3.o"
  install -D -m 644 "$build/libsqlite3.a" "$prefix/lib/libsqlite3.a"
  install -D -m 644 "$build/sqlite3.h" "$prefix/include/sqlite3.h"
}

# Static libsodium with its own autotools build, cross-compiled (Windows' RtlGenRandom for random
# bytes). Debian's source is a git export without configure, generated first as Debian's build
# does (autoreconf; not the upstream autogen.sh, which downloads config.guess with curl). Built
# out of the source tree; -O2 without autoconf's default -g, as the other libraries.
build_libsodium() {
  local srcdir=$1 build=$deps/build-libsodium
  (cd "$srcdir" && autoreconf -fi) >"$deps/libsodium-autoreconf.log" 2>&1
  rm -rf "$build"
  mkdir -p "$build"
  (cd "$build" && "$srcdir/configure" --host="$host" CC="$cc" CFLAGS=-O2 --prefix="$prefix" \
                    --disable-shared --enable-static) >"$deps/libsodium-configure.log"
  make -C "$build" -j"$(nproc)" install >"$deps/libsodium-build.log"
}

# fmt compiled once into a static library, as Debian's libfmt is for Linux. Header-only, its
# implementation would be compiled again in every file that logs, several seconds each.
build_fmtlib() {
  local srcdir=$1
  cmake -S "$srcdir" -B "$deps/build-fmtlib" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCHAT_WINDOWS_DEPS_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DBUILD_SHARED_LIBS=OFF -DFMT_TEST=OFF -DFMT_DOC=OFF -DFMT_FUZZ=OFF \
    >"$deps/fmtlib-configure.log"
  cmake --build "$deps/build-fmtlib" --target install >"$deps/fmtlib-build.log"
}

for lib in "${todo[@]}"; do
  start=$SECONDS
  srcdir=$(source_dir "$lib")
  echo "build_windows_deps: building $(basename "$srcdir") for mingw-w64" \
       "(logs: $deps/$lib-*.log)" >&2
  "build_$lib" "$srcdir"
  touch "$prefix/.built-$lib"
  echo "build_windows_deps: $lib installed ($((SECONDS - start)) s)" >&2
done

# Header-only CLI11 (2.1): the same version as the Linux build. Only the headers are copied;
# cmake/WindowsCrossDependencies.cmake defines the target, since the host's CMake config names
# Linux paths.
mkdir -p "$prefix/include"
rm -rf "$prefix/include/CLI"
cp -r /usr/include/CLI "$prefix/include/"

echo "$complete" >"$prefix/.complete"
echo "build_windows_deps: installed in $prefix ($complete)"
