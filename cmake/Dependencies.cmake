# Third-party libraries. scripts/install_deps.sh installs each of these from Debian's packages;
# on Windows they come from vcpkg.json; cross-building for Windows (preset `windows`), from
# scripts/build_windows_deps.sh. docs/architecture.md says why each one is here.
find_package(Threads REQUIRED)
if(CMAKE_CROSSCOMPILING AND WIN32)
  # mingw-w64 on Linux: the same targets, from scripts/build_windows_deps.sh and the host's protoc.
  include(${CMAKE_CURRENT_LIST_DIR}/WindowsCrossDependencies.cmake)
else()
  find_package(Protobuf REQUIRED)        # libprotobuf + protoc
  find_package(fmt REQUIRED)             # formatting for logs and console output
  find_package(CLI11 REQUIRED)           # command-line flags with generated --help
  find_package(SQLite3 REQUIRED)         # message history (CMake's FindSQLite3: SQLite::SQLite3)
  # Argon2id password hashing. vcpkg's libsodium has a CMake package; Debian's has only pkg-config.
  find_package(unofficial-sodium CONFIG QUIET)
  if(TARGET unofficial-sodium::sodium)
    set(_chat_sodium unofficial-sodium::sodium)
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(CHAT_SODIUM REQUIRED IMPORTED_TARGET libsodium)
    set(_chat_sodium PkgConfig::CHAT_SODIUM)
  endif()
  # Argon2id with working memory the caller gives (argon2_ctx's allocate callback): the auth
  # pool's threads keep theirs between checks (docs/architecture.md, "The auth pool"). vcpkg's
  # argon2 has a CMake package; Debian's libargon2 has only pkg-config.
  find_package(unofficial-argon2 CONFIG QUIET)
  if(TARGET unofficial::argon2::libargon2)
    set(_chat_argon2 unofficial::argon2::libargon2)
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(CHAT_ARGON2 REQUIRED IMPORTED_TARGET libargon2)
    set(_chat_argon2 PkgConfig::CHAT_ARGON2)
  endif()
  # The console client's grapheme clusters and display widths. vcpkg's utf8proc has a CMake
  # package; Debian's has only pkg-config.
  find_package(utf8proc CONFIG QUIET)
  if(TARGET utf8proc::utf8proc)
    set(_chat_utf8proc utf8proc::utf8proc)
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(CHAT_UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
    set(_chat_utf8proc PkgConfig::CHAT_UTF8PROC)
  endif()
  # One name for each on every platform; WindowsCrossDependencies.cmake defines them too.
  add_library(chat::sqlite3 ALIAS SQLite::SQLite3)
  add_library(chat::sodium ALIAS ${_chat_sodium})
  add_library(chat::argon2 ALIAS ${_chat_argon2})
  add_library(chat::utf8proc ALIAS ${_chat_utf8proc})
endif()

if(CHAT_BUILD_TESTS AND NOT TARGET gtest)
  # Build GoogleTest from source with our flags, so sanitizer builds instrument it too.
  set(CHAT_GTEST_SOURCE_DIR "/usr/src/googletest" CACHE PATH "GoogleTest source tree")
  if(EXISTS "${CHAT_GTEST_SOURCE_DIR}/CMakeLists.txt")
    set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
    set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
    add_subdirectory(${CHAT_GTEST_SOURCE_DIR} ${CMAKE_BINARY_DIR}/_deps/googletest EXCLUDE_FROM_ALL)
  else()
    find_package(GTest REQUIRED)
    add_library(gtest ALIAS GTest::gtest)
    add_library(gtest_main ALIAS GTest::gtest_main)
  endif()
endif()
