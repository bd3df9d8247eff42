#!/usr/bin/env bash
# Builds the Windows (mingw-w64) libraries the `windows` preset links, into build/windows-deps/:
#   install/lib/libprotobuf.a + cmake config  full protobuf, built from Debian's own source package
#                                             so it matches the host's protoc, which generates code
#   install/include/fmt, install/include/CLI  header-only fmt and CLI11, copied from the host
# Cached: once installed, a second run does nothing. Delete build/windows-deps/ to rebuild.
# CHAT_WINDOWS_DEPS_DIR overrides the directory (then pass -DCHAT_WINDOWS_DEPS_PREFIX=<it>/install).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
deps=${CHAT_WINDOWS_DEPS_DIR:-$repo/build/windows-deps}
prefix=$deps/install
toolchain=$repo/cmake/mingw-w64-x86_64.cmake

# The stamp is written last, so an interrupted run is redone rather than taken as done.
if [ -f "$prefix/.complete" ] && [ -f "$prefix/lib/libprotobuf.a" ]; then
  echo "build_windows_deps: up to date in $prefix"
  exit 0
fi

./scripts/install_deps.sh --windows
mkdir -p "$deps"
# The library must be the protoc's version: generated code refuses other runtime versions.
protoc_version=$(protoc --version | awk '{print $2}')

# Debian's source package, fetched with apt but with lists and caches of our own in the build
# tree: the machine's apt configuration and state are not touched. Same mirror as the host.
src=$deps/src
if [ ! -f "$src/.fetched" ]; then
  rm -rf "$src"
  mirror=${CHAT_DEBIAN_MIRROR:-}
  if [ -z "$mirror" ]; then
    mirror=$(grep -hoE '(URIs:|deb) +https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list \
               /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
             | head -n 1 | awk '{print $2}' || true)
  fi
  mirror=${mirror:-http://deb.debian.org/debian}
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  apt_dir=$deps/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$src"
  echo "deb-src $mirror $codename main" >"$apt_dir/sources.list"
  apt_opts=(-q -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
            -o APT::Sandbox::User=root)   # _apt cannot write into the build tree
  echo "build_windows_deps: fetching protobuf source from $mirror ($codename)" >&2
  apt-get "${apt_opts[@]}" update </dev/null
  # dpkg-source -x (run by apt-get source) applies Debian's patches, as in the host's library.
  (cd "$src" && apt-get "${apt_opts[@]}" source protobuf </dev/null)
  touch "$src/.fetched"
fi
srcdir=$(find "$src" -maxdepth 1 -type d -name 'protobuf-*' | head -n 1)
case "$(basename "$srcdir")" in
  "protobuf-$protoc_version") ;;
  *) echo "build_windows_deps: $srcdir does not match protoc $protoc_version" >&2; exit 1 ;;
esac

# Full libprotobuf (the project uses reflection and UnknownFieldSet), static, no protoc (the
# host's is used), no zlib (the project does not use gzip streams, and mingw has no zlib here).
echo "build_windows_deps: building libprotobuf $protoc_version for mingw-w64" >&2
cmake -S "$srcdir" -B "$deps/build-protobuf" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCHAT_WINDOWS_DEPS_PREFIX="$prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
  -Dprotobuf_BUILD_TESTS=OFF -Dprotobuf_BUILD_PROTOC_BINARIES=OFF -Dprotobuf_BUILD_LIBPROTOC=OFF \
  -Dprotobuf_BUILD_SHARED_LIBS=OFF -Dprotobuf_WITH_ZLIB=OFF -Dprotobuf_BUILD_EXAMPLES=OFF \
  >"$deps/protobuf-configure.log"
cmake --build "$deps/build-protobuf" --target install >"$deps/protobuf-build.log"

# Header-only fmt (9.x) and CLI11 (2.1): the same versions as the Linux build. Only the headers
# are copied; cmake/Dependencies.cmake defines the targets, since the host's CMake configs name
# Linux paths.
mkdir -p "$prefix/include"
rm -rf "$prefix/include/fmt" "$prefix/include/CLI"
cp -r /usr/include/fmt /usr/include/CLI "$prefix/include/"

touch "$prefix/.complete"
echo "build_windows_deps: installed in $prefix (protobuf $protoc_version, fmt, CLI11)"
