# --config files. The example configuration (packaging/chat_server.toml) lists every flag of this build with its
# default: below its header it must be exactly what `chat_server --print-config` prints, and the
# server must read it back to the same settings (no unknown key, no bad value).
#   cmake -DCHAT_SERVER=<chat_server> -DCHAT_EXAMPLE=<packaging/chat_server.toml> -P this
cmake_minimum_required(VERSION 3.21)

execute_process(COMMAND "${CHAT_SERVER}" --print-config OUTPUT_VARIABLE printed
                RESULT_VARIABLE code)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "chat_server --print-config exited with ${code}")
endif()

file(READ "${CHAT_EXAMPLE}" example)
set(first_line "# chat_server: a protobuf chat server")
string(FIND "${example}" "${first_line}" start)
if(start LESS 0)
  message(FATAL_ERROR "${CHAT_EXAMPLE}: no line starting '${first_line}' after its header")
endif()
string(SUBSTRING "${example}" ${start} -1 body)
if(NOT body STREQUAL printed)
  file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/chat_server.print-config.toml" "${printed}")
  message(FATAL_ERROR "${CHAT_EXAMPLE} differs from `chat_server --print-config` (a flag was "
                      "added, removed or changed): compare it with "
                      "${CMAKE_CURRENT_BINARY_DIR}/chat_server.print-config.toml")
endif()

execute_process(COMMAND "${CHAT_SERVER}" --config "${CHAT_EXAMPLE}" --print-config
                OUTPUT_VARIABLE reread ERROR_VARIABLE errors RESULT_VARIABLE code)
if(NOT code EQUAL 0 OR NOT reread STREQUAL printed)
  message(FATAL_ERROR "chat_server --config ${CHAT_EXAMPLE} does not read back to the defaults "
                      "(exit ${code}): ${errors}")
endif()

# An unknown key or a bad value in a --config file: a usage error (exit 2) that names the key.
foreach(case "no-such-key = 1|no-such-key" "max-clients = 0|max-clients" "log-format = \"xml\"|log-format")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 line)
  list(GET parts 1 key)
  set(file "${CMAKE_CURRENT_BINARY_DIR}/chat_server.bad-config.toml")
  file(WRITE "${file}" "motd = \"fine\"\n${line}\n")
  execute_process(COMMAND "${CHAT_SERVER}" --config "${file}" --port 0 --no-console
                  OUTPUT_VARIABLE out ERROR_VARIABLE errors RESULT_VARIABLE code TIMEOUT 30)
  file(REMOVE "${file}")
  string(FIND "${errors}" "${key}" named)
  if(NOT code EQUAL 2 OR named LESS 0 OR NOT out STREQUAL "")
    message(FATAL_ERROR "'${line}' in --config: exit ${code} (want 2), stderr '${errors}' (want "
                        "it to name ${key}), stdout '${out}' (want nothing)")
  endif()
endforeach()
