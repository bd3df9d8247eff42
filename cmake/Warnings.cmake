# Strict warnings for our own targets (muduo-style). Generated protobuf code is compiled without
# them (see proto/CMakeLists.txt); third-party headers come in as SYSTEM includes.
# Directory.Build.props gives ChatServer.sln the same MSVC settings; tests/vs/check_vs_projects.cmake
# evaluates this file as MSVC would and compares.

# Every target, generated code included: the sources are UTF-8 (non-ASCII literals; fmt requires
# /utf-8 with MSVC), and standard C++ (/permissive-).
if(MSVC)
  add_compile_options(/utf-8 /permissive-)
endif()

function(chat_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4)
    if(CHAT_WERROR)
      target_compile_options(${target} PRIVATE /WX)
    endif()
  else()
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
      -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wcast-qual
      -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      # GCC 12 reports impossible overlaps for `"literal" + std::string` at -O3 (GCC bug 105651).
      target_compile_options(${target} PRIVATE -Wno-restrict)
    endif()
    if(CHAT_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
