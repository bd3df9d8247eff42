# Dependencies when cross-building for Windows with mingw-w64 (cmake/mingw-w64-x86_64.cmake),
# included by Dependencies.cmake. Defines the targets the Linux build gets from Debian's packages:
# protobuf::libprotobuf (+ protobuf_generate), fmt::fmt, CLI11::CLI11, chat::sqlite3,
# chat::sodium, chat::argon2 and chat::utf8proc.
# scripts/build_windows_deps.sh puts the libraries in CHAT_WINDOWS_DEPS_PREFIX, which the
# toolchain file adds to CMAKE_FIND_ROOT_PATH; the host's own packages are never looked at.
set(_chat_deps_hint "run scripts/build_windows_deps.sh (prefix: ${CHAT_WINDOWS_DEPS_PREFIX})")

# What was found is cached. When the prefix moves (build_windows_deps.sh built a new key after a
# version or script change), an existing build directory would go on linking the old prefix's
# libraries: every cached value inside the old prefix is forgotten, so that it is found again in
# the new one. Not at the first configure, which may name libraries on its command line.
if(DEFINED CACHE{CHAT_WINDOWS_DEPS_FOUND_IN}
   AND NOT CHAT_WINDOWS_DEPS_PREFIX STREQUAL CHAT_WINDOWS_DEPS_FOUND_IN)
  get_cmake_property(_chat_cached CACHE_VARIABLES)
  foreach(_chat_var IN LISTS _chat_cached)
    string(FIND "${${_chat_var}}" "${CHAT_WINDOWS_DEPS_FOUND_IN}/" _chat_at)
    if(_chat_at EQUAL 0)
      unset(${_chat_var} CACHE)
    endif()
  endforeach()
endif()
set(CHAT_WINDOWS_DEPS_FOUND_IN "${CHAT_WINDOWS_DEPS_PREFIX}" CACHE INTERNAL
    "The prefix the cached Windows libraries were found in")

# The static libprotobuf built from Debian's protobuf source. Its CMake package config gives the
# exact link interface and protobuf_generate(), which runs protobuf::protoc.
find_package(Protobuf CONFIG)
if(NOT Protobuf_FOUND)
  message(FATAL_ERROR "No Windows protobuf found: ${_chat_deps_hint}")
endif()

# The code generator runs on the build machine: the host's protoc (program search is host-only).
# Generated code only compiles against the runtime of the same version, so check it here.
find_program(CHAT_HOST_PROTOC protoc REQUIRED)
execute_process(COMMAND "${CHAT_HOST_PROTOC}" --version OUTPUT_VARIABLE _chat_protoc_version
                OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" _chat_protoc_version "${_chat_protoc_version}")
if(NOT _chat_protoc_version VERSION_EQUAL Protobuf_VERSION)
  message(FATAL_ERROR "${CHAT_HOST_PROTOC} is protoc ${_chat_protoc_version}, but the Windows "
                      "libprotobuf is ${Protobuf_VERSION}: ${_chat_deps_hint} after removing it")
endif()
if(NOT TARGET protobuf::protoc)
  add_executable(protobuf::protoc IMPORTED)
  set_target_properties(protobuf::protoc PROPERTIES IMPORTED_LOCATION "${CHAT_HOST_PROTOC}")
endif()

# The static libfmt built from Debian's fmtlib source, with its own CMake package config.
find_package(fmt CONFIG)
if(NOT fmt_FOUND)
  message(FATAL_ERROR "No Windows fmt found: ${_chat_deps_hint}")
endif()

# CLI11 is header-only; the host's CMake config for it names Linux paths, so the target is
# defined here on the copy of its headers.
find_path(CHAT_CLI11_INCLUDE_DIR CLI/CLI.hpp)
if(NOT CHAT_CLI11_INCLUDE_DIR)
  message(FATAL_ERROR "No Windows copy of the CLI11 headers: ${_chat_deps_hint}")
endif()
add_library(CLI11::CLI11 INTERFACE IMPORTED)
set_target_properties(CLI11::CLI11 PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${CHAT_CLI11_INCLUDE_DIR}")

# SQLite, libsodium and libargon2: static libraries built from Debian's sources, with no CMake
# packages. They need only Win32 DLLs that mingw links by default; advapi32 is named anyway, for
# libsodium's RtlGenRandom (SystemFunction036), its source of random bytes.
find_path(CHAT_SQLITE3_INCLUDE_DIR sqlite3.h)
find_library(CHAT_SQLITE3_LIBRARY sqlite3)
find_path(CHAT_SODIUM_INCLUDE_DIR sodium.h)
find_library(CHAT_SODIUM_LIBRARY sodium)
find_path(CHAT_ARGON2_INCLUDE_DIR argon2.h)
find_library(CHAT_ARGON2_LIBRARY argon2)
if(NOT CHAT_SQLITE3_INCLUDE_DIR OR NOT CHAT_SQLITE3_LIBRARY OR NOT CHAT_SODIUM_INCLUDE_DIR
   OR NOT CHAT_SODIUM_LIBRARY OR NOT CHAT_ARGON2_INCLUDE_DIR OR NOT CHAT_ARGON2_LIBRARY)
  message(FATAL_ERROR "No Windows SQLite, libsodium or libargon2 found: ${_chat_deps_hint}")
endif()
add_library(chat::sqlite3 STATIC IMPORTED)
set_target_properties(chat::sqlite3 PROPERTIES
  IMPORTED_LOCATION "${CHAT_SQLITE3_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CHAT_SQLITE3_INCLUDE_DIR}")
add_library(chat::sodium STATIC IMPORTED)
# SODIUM_STATIC: without it, sodium.h declares every function __declspec(dllimport) on Windows.
set_target_properties(chat::sodium PROPERTIES
  IMPORTED_LOCATION "${CHAT_SODIUM_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CHAT_SODIUM_INCLUDE_DIR}"
  INTERFACE_COMPILE_DEFINITIONS SODIUM_STATIC=1
  INTERFACE_LINK_LIBRARIES advapi32)
# No define: argon2.h's ARGON2_PUBLIC is __declspec(dllexport) only under MSVC, empty with mingw.
# Its lanes run on Windows threads (_beginthreadex, in the C runtime mingw links by default).
add_library(chat::argon2 STATIC IMPORTED)
set_target_properties(chat::argon2 PROPERTIES
  IMPORTED_LOCATION "${CHAT_ARGON2_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CHAT_ARGON2_INCLUDE_DIR}")

# utf8proc: a static library built from Debian's source. UTF8PROC_STATIC: without it, utf8proc.h
# declares every function __declspec(dllimport) on Windows.
find_path(CHAT_UTF8PROC_INCLUDE_DIR utf8proc.h)
find_library(CHAT_UTF8PROC_LIBRARY utf8proc)
if(NOT CHAT_UTF8PROC_INCLUDE_DIR OR NOT CHAT_UTF8PROC_LIBRARY)
  message(FATAL_ERROR "No Windows utf8proc found: ${_chat_deps_hint}")
endif()
add_library(chat::utf8proc STATIC IMPORTED)
set_target_properties(chat::utf8proc PROPERTIES
  IMPORTED_LOCATION "${CHAT_UTF8PROC_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CHAT_UTF8PROC_INCLUDE_DIR}"
  INTERFACE_COMPILE_DEFINITIONS UTF8PROC_STATIC=1)
