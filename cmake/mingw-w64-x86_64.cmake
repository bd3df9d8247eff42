# Toolchain for cross-building 64-bit Windows executables on Debian with mingw-w64, and running
# them (try_run, ctest, gtest_discover_tests) under Wine. Used by the `windows` preset and by
# scripts/build_windows_deps.sh, which builds the Windows protobuf with it.
# Needs: scripts/install_deps.sh --windows (compiler, Wine), then scripts/build_windows_deps.sh.

# Target system: makes CMake set WIN32, pick .exe/.a/.dll names and Windows platform rules,
# and sets CMAKE_CROSSCOMPILING.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CHAT_MINGW_TRIPLE x86_64-w64-mingw32)
# The -posix compilers use the winpthreads threading model; the default (-win32) ones have no
# std::thread or std::mutex in GCC 12.
set(CMAKE_C_COMPILER ${CHAT_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${CHAT_MINGW_TRIPLE}-g++-posix)
# Resource compiler, for a .rc file (version info, icons), should a target ever have one.
set(CMAKE_RC_COMPILER ${CHAT_MINGW_TRIPLE}-windres)

# Where the Windows libraries live: the mingw-w64 sysroot (Win32 API, CRT, winpthreads) and the
# prefix that scripts/build_windows_deps.sh installs protobuf, SQLite, libsodium, fmt and CLI11
# into. That prefix is in a cache outside the clone, in a directory named by a key of what it was
# built from; the script alone knows the key (`--print-prefix`). A cache variable, so a build can
# point elsewhere (-DCHAT_WINDOWS_DEPS_PREFIX=...); while it holds the default, every configure
# asks the script again, so a new key (a library upgraded, the script changed) is followed. So is
# a build tree from before the cache moved, which still names build/windows-deps/ in the clone.
# Not in try_compile projects: they get the value passed down (CMAKE_TRY_COMPILE_PLATFORM_VARIABLES).
get_property(_chat_in_try_compile GLOBAL PROPERTY IN_TRY_COMPILE)
get_filename_component(_chat_old_default "${CMAKE_CURRENT_LIST_DIR}/../build/windows-deps/install"
                       ABSOLUTE)
if(NOT _chat_in_try_compile AND
   (NOT DEFINED CACHE{CHAT_WINDOWS_DEPS_PREFIX}
    OR CHAT_WINDOWS_DEPS_PREFIX STREQUAL "${CHAT_WINDOWS_DEPS_PREFIX_DEFAULT}"
    OR CHAT_WINDOWS_DEPS_PREFIX STREQUAL _chat_old_default))
  execute_process(
    COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/../scripts/build_windows_deps.sh" --print-prefix
    OUTPUT_VARIABLE _chat_deps_default OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _chat_deps_result)
  if(NOT _chat_deps_result EQUAL 0 OR _chat_deps_default STREQUAL "")
    message(FATAL_ERROR "scripts/build_windows_deps.sh --print-prefix failed (${_chat_deps_result})")
  endif()
  set(CHAT_WINDOWS_DEPS_PREFIX_DEFAULT "${_chat_deps_default}" CACHE INTERNAL
      "what build_windows_deps.sh --print-prefix said at the last configure")
  set(CHAT_WINDOWS_DEPS_PREFIX "${_chat_deps_default}" CACHE PATH
      "Windows (mingw-w64) libraries, from scripts/build_windows_deps.sh" FORCE)
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CHAT_WINDOWS_DEPS_PREFIX)
set(CMAKE_FIND_ROOT_PATH /usr/${CHAT_MINGW_TRIPLE} "${CHAT_WINDOWS_DEPS_PREFIX}")

# Programs run on the build machine (protoc, wine): search only the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# Libraries, headers and CMake packages: search only the roots above, never the host's /usr.
# Linux packages (Debian's fmt, CLI11, GTest configs) would otherwise be found and glibc headers
# would end up on the include path.
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Fully static executables: libstdc++, libgcc and winpthreads are linked in, so the .exe files
# run under Wine (or on Windows) with no mingw DLLs next to them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

# Run target executables under Wine: ctest's add_test commands, gtest_discover_tests
# (DISCOVERY_MODE PRE_TEST lists the tests by running the .exe at ctest time) and try_run.
# wine64, not Debian's `wine` wrapper (package `wine`, not installed): the wrapper
# looks for wine32 first and prints multiarch advice. The Wine environment (WINEPREFIX,
# WINEDEBUG, WINEDLLOVERRIDES) comes from the `windows` test preset / scripts/wine_ctest.sh.
find_program(CHAT_WINE NAMES wine64 wine HINTS /usr/lib/wine /usr/lib64/wine
             DOC "Wine, to run the Windows test executables")
if(CHAT_WINE)
  # Through a wrapper that restarts a program Wine failed to start at all (see the script).
  set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/../scripts/wine_exec.sh;${CHAT_WINE}")
endif()
