# Checks that the Windows SDK's core and networking headers are included in one place only,
# src/net/windows_headers.h, which orders them as the SDK needs (WIN32_LEAN_AND_MEAN and NOMINMAX
# first, then winsock2.h, ws2tcpip.h, mswsock.h, windows.h). mingw-w64's headers forgive a wrong
# order (its mswsock.h includes winsock2.h itself); the Windows SDK's do not, so a stray
# `#include <windows.h>` builds here and breaks in Visual Studio. Registered by
# tests/CMakeLists.txt as the ctest VisualStudioProjects.WindowsHeadersThroughOneHeader; by hand:
#
#   cmake -DCHAT_SOURCE_DIR=. -P tests/vs/check_windows_headers.cmake
#
# Plain CMake (no Python), like check_vs_projects.cmake.
cmake_minimum_required(VERSION 3.21)

if(NOT CHAT_SOURCE_DIR OR NOT IS_DIRECTORY "${CHAT_SOURCE_DIR}/src")
  message(FATAL_ERROR "Usage: cmake -DCHAT_SOURCE_DIR=<repository root> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
cmake_path(ABSOLUTE_PATH CHAT_SOURCE_DIR NORMALIZE)
set(chat_one_header "src/net/windows_headers.h")
# In the order the one header must include them.
set(chat_sdk_headers winsock2.h ws2tcpip.h mswsock.h windows.h)
# File names are case-insensitive on Windows: <Windows.h> is the same header.
set(chat_include_regex "^[ \t]*#[ \t]*include[ \t]*[<\"](winsock2|ws2tcpip|mswsock|windows)\\.h[>\"]")

set(errors "")
file(GLOB_RECURSE files RELATIVE "${CHAT_SOURCE_DIR}"
     "${CHAT_SOURCE_DIR}/src/*.h" "${CHAT_SOURCE_DIR}/src/*.cpp" "${CHAT_SOURCE_DIR}/src/*.inc"
     "${CHAT_SOURCE_DIR}/tests/*.h" "${CHAT_SOURCE_DIR}/tests/*.cpp"
     "${CHAT_SOURCE_DIR}/bench/*.h" "${CHAT_SOURCE_DIR}/bench/*.cpp")
list(SORT files)
foreach(file IN LISTS files)
  if(file STREQUAL chat_one_header)
    continue()
  endif()
  file(STRINGS "${CHAT_SOURCE_DIR}/${file}" lines REGEX "#[ \t]*include")
  foreach(line IN LISTS lines)
    string(TOLOWER "${line}" lower)
    if(lower MATCHES "${chat_include_regex}")
      string(STRIP "${line}" line)
      list(APPEND errors "${file}: `${line}`: include \"net/windows_headers.h\" instead")
    endif()
  endforeach()
endforeach()

# The one header: both defines before the first include, the four headers in the SDK's order.
if(NOT EXISTS "${CHAT_SOURCE_DIR}/${chat_one_header}")
  list(APPEND errors "${chat_one_header} does not exist")
else()
  file(STRINGS "${CHAT_SOURCE_DIR}/${chat_one_header}" lines REGEX "^[ \t]*#[ \t]*(include|define)")
  set(included "")
  set(defined_early "")
  foreach(line IN LISTS lines)
    string(TOLOWER "${line}" lower)
    if(lower MATCHES "${chat_include_regex}")
      list(APPEND included "${CMAKE_MATCH_1}.h")
    elseif(line MATCHES "#[ \t]*define[ \t]+(WIN32_LEAN_AND_MEAN|NOMINMAX)" AND NOT included)
      list(APPEND defined_early "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(NOT included STREQUAL chat_sdk_headers)
    list(JOIN included ", " found)
    list(JOIN chat_sdk_headers ", " wanted)
    list(APPEND errors "${chat_one_header} includes ${found}; it must include ${wanted}, in that order")
  endif()
  foreach(define WIN32_LEAN_AND_MEAN NOMINMAX)
    if(NOT define IN_LIST defined_early)
      list(APPEND errors "${chat_one_header} must define ${define} before its first include")
    endif()
  endforeach()
endif()

if(errors)
  list(LENGTH errors count)
  list(JOIN errors "\n  " report)
  message(FATAL_ERROR "Windows SDK headers included outside ${chat_one_header} (${count}):\n  ${report}\n")
endif()
list(LENGTH files count)
message(STATUS "${count} files: the Windows SDK headers come only through ${chat_one_header}")
