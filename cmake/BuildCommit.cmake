# CHAT_BUILD_COMMIT: what `git describe --always --dirty` says of the source tree when CMake
# configures the build (chat_server --version and chat_client --version show it), or
# "unknown (not a git checkout)" for a tree without git (an unpacked source archive). Configure
# time only: a commit made later shows after the next configure.
find_package(Git QUIET)
set(CHAT_BUILD_COMMIT "unknown (not a git checkout)")
if(GIT_FOUND)
  execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --tags
                  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                  OUTPUT_VARIABLE chat_describe OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE chat_describe_failed ERROR_QUIET)
  if(chat_describe_failed EQUAL 0 AND chat_describe)
    set(CHAT_BUILD_COMMIT "${chat_describe}")
  endif()
endif()
