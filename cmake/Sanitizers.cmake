# CHAT_SANITIZE=address -> AddressSanitizer + UndefinedBehaviorSanitizer; =thread -> ThreadSanitizer.
# Applied to everything built in this tree (our code, GoogleTest, generated protobuf code).
if(NOT CHAT_SANITIZE STREQUAL "")
  # -O1 (what the sanitizers' docs advise) and line tables only (-g1: reports still name file and
  # line): compiling with -O2 -g took twice as long (75 s against 34 s for chat_server's main.cpp
  # under ASan+UBSan), which made the sanitizer builds most of the test command's time.
  set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
endif()
if(CHAT_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(CHAT_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT CHAT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "CHAT_SANITIZE must be '', 'address' or 'thread', not '${CHAT_SANITIZE}'")
endif()

# CHAT_FUZZ: coverage instrumentation for libFuzzer in everything built (the fuzz targets link
# the fuzzer runtime themselves: tests/fuzz/CMakeLists.txt).
if(CHAT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CHAT_FUZZ needs clang (libFuzzer): use the `fuzz` preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
