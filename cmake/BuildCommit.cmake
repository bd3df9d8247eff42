# The commit chat_server --version and chat_client --version name: a header,
# <build>/generated/chat_build_commit.h, written at every build by cmake/WriteBuildCommit.cmake
# (git describe of the source tree then; rewritten only when it changed). A target that names
# the commit calls chat_use_build_commit(target). Visual Studio's solution has no such header:
# there the programs say "not recorded".
find_package(Git QUIET)
set(CHAT_GENERATED_DIR "${PROJECT_BINARY_DIR}/generated")
add_custom_target(chat_build_commit
                  COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                          -DOUT=${CHAT_GENERATED_DIR}/chat_build_commit.h
                          -DGIT_EXECUTABLE=${GIT_EXECUTABLE}
                          -P ${CMAKE_CURRENT_LIST_DIR}/WriteBuildCommit.cmake
                  BYPRODUCTS ${CHAT_GENERATED_DIR}/chat_build_commit.h
                  COMMENT "Recording the commit for --version"
                  VERBATIM)

function(chat_use_build_commit target)
  add_dependencies(${target} chat_build_commit)
  target_include_directories(${target} PRIVATE ${CHAT_GENERATED_DIR})
endfunction()
