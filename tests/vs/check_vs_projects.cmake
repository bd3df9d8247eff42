# Checks that ChatServer.sln (Visual Studio 2022, vcpkg) builds what CMake builds on Windows, so
# that the two builds cannot drift apart. Registered by tests/CMakeLists.txt as the ctest
# VisualStudioProjects.MatchCMakeTargets; by hand, after configuring a build:
#
#   cmake -DCHAT_VS_TARGETS=build/release/tests/vs_targets.cmake -P tests/vs/check_vs_projects.cmake
#
# CHAT_VS_TARGETS is written by CMake (tests/CMakeLists.txt, file(GENERATE)): every library and
# program target of the source tree, with its source folder, the sources it compiles in that
# configuration and the targets it links and depends on. The check then verifies that
#   - ChatServer.sln is well-formed: its header, a matching EndProject for every Project, GUIDs,
#     and every project built in every solution configuration;
#   - the solution has one .vcxproj per CMake target, named after it and placed in its folder;
#   - each .vcxproj is well-formed XML, with the solution's GUID, the solution's configurations
#     and the right configuration type;
#   - each .vcxproj compiles exactly the .cpp files that the CMake target compiles on Windows,
#     runs protoc on the same .proto files and compiles the same generated files;
#   - its project references are the CMake target's links and add_dependencies among our targets;
#   - Directory.Build.props and vcpkg.json carry CMake's project version;
#   - each project compiles and links with CMake's settings for its target (vs_settings.cmake says
#     which: C++ standard, warnings, /utf-8, definitions, include directories, runtime library,
#     subsystem, libraries), vcpkg's manifest mode has a baseline and every package CMake uses,
#     and protoc runs after vcpkg has installed it.
# Plain CMake on purpose (no Python): it runs wherever the build runs, Linux or Windows.
cmake_minimum_required(VERSION 3.21)

# The build is configured for one platform, ChatServer.sln is for Windows. CMake picks the
# platform code by source list (src/net, src/client and tests CMakeLists.txt); on any other
# platform each Linux-only file stands for its Windows counterpart, and the Linux-only files with
# none (the extra Linux backends, tests of what Windows lacks) are left out. Paths from the
# repository root. A new platform-specific file needs a line here; one Linux file may stand for
# several Windows ones (joined by "+").
set(chat_linux_to_windows_sources
  "src/net/epoll/epoll_service.cpp=src/net/iocp/iocp_service.cpp+src/net/iocp/iocp_accept.cpp"
  "src/net/posix/posix_socket.cpp=src/net/iocp/win_socket.cpp"
  "src/net/posix/posix_signals.cpp=src/net/iocp/win_signals.cpp"
  "src/net/posix/linux_backends.cpp=src/net/iocp/windows_backends.cpp"
  "src/net/posix/posix_thread.cpp=src/net/iocp/win_thread.cpp"
  "src/net/posix/posix_console.cpp=src/net/iocp/win_console.cpp"
  "src/client/terminal_posix.cpp=src/client/terminal_windows.cpp"
  "tests/support/child_process_posix.cpp=tests/support/child_process_windows.cpp"
  "src/client/bot/process_memory_linux.cpp=src/client/bot/process_memory_windows.cpp"
  "src/server/heap_release_linux.cpp=src/server/heap_release_windows.cpp"
  "src/server/service_host_linux.cpp=src/server/service_host_windows.cpp"
)
set(chat_linux_only_sources
  "src/net/posix/posix_core.cpp"
  "src/net/posix/task_queue.cpp"
  "src/net/uring/uring_service.cpp"
  "src/net/uring/uring_ring.cpp"
  "src/net/uring/uring_missing.cpp"
  "src/server/systemd_notify.cpp"
  "src/server/systemd_notify_missing.cpp"
  "tests/net/task_queue_test.cpp"
  "tests/programs/open_file_limit_test.cpp"
  "tests/programs/terminal_test.cpp"
  "tests/programs/terminal_rooms_test.cpp"
)

set(chat_sln_name "ChatServer.sln")
set(chat_sln_header "Microsoft Visual Studio Solution File, Format Version 12.00")
set(chat_compiled_extensions ".c" ".cc" ".cpp" ".cxx")
set(chat_vcxproj_type_STATIC_LIBRARY "StaticLibrary")
set(chat_vcxproj_type_SHARED_LIBRARY "DynamicLibrary")
set(chat_vcxproj_type_MODULE_LIBRARY "DynamicLibrary")
set(chat_vcxproj_type_EXECUTABLE "Application")

# ---------------------------------------------------------------------------------------------
# Errors are collected, not raised one by one: one run names everything that is out of step.
function(chat_error text)
  set_property(GLOBAL APPEND PROPERTY chat_vs_errors "${text}")
endfunction()

# File contents go through CMake lists (regex matches, lines). A ';' would split an element and
# a '[' or ']' would stop the splitting, so they are swapped for control characters first and
# swapped back in each value taken out.
string(ASCII 1 chat_semicolon)
string(ASCII 2 chat_open_bracket)
string(ASCII 3 chat_close_bracket)
function(chat_read_file out path)
  file(READ "${path}" bom LIMIT 3 HEX)
  if(bom STREQUAL "efbbbf")   # the UTF-8 byte order mark Visual Studio writes
    file(READ "${path}" text OFFSET 3)
  else()
    file(READ "${path}" text)
  endif()
  # One line ending per file: an edit that wrote LF lines into a CRLF project (or the reverse)
  # leaves a file Visual Studio rewrites on its next save, a diff of every line.
  # (file(READ) as text drops the CRs, so the bytes are counted in hex, a space after each.)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "(..)" "\\1 " hex "${hex}")
  string(REGEX MATCHALL "0d 0a " crlf "${hex}")
  string(REGEX MATCHALL "0a " lf "${hex}")
  list(LENGTH crlf crlf_count)
  list(LENGTH lf lf_count)
  if(crlf_count GREATER 0 AND NOT crlf_count EQUAL lf_count)
    chat_error("${path}: mixes line endings (${crlf_count} of ${lf_count} lines end in CRLF)")
  endif()
  string(REPLACE "\r" "" text "${text}")
  string(REPLACE ";" "${chat_semicolon}" text "${text}")
  string(REPLACE "[" "${chat_open_bracket}" text "${text}")
  string(REPLACE "]" "${chat_close_bracket}" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(chat_unescape out text)
  # XML character entities first: their ';' is still the stand-in.
  foreach(entity "lt=<" "gt=>" "quot=\"" "apos='" "amp=&")
    string(REPLACE "=" ";" entity "${entity}")
    list(GET entity 0 name)
    list(GET entity 1 char)
    string(REPLACE "&${name}${chat_semicolon}" "${char}" text "${text}")
  endforeach()
  string(REPLACE "${chat_semicolon}" ";" text "${text}")
  string(REPLACE "${chat_open_bracket}" "[" text "${text}")
  string(REPLACE "${chat_close_bracket}" "]" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# "C:\x\..\y" or "sub\file.cpp" relative to base_dir -> "y" relative to the repository root.
function(chat_repo_path out path base_dir)
  string(REPLACE "\\" "/" path "${path}")
  cmake_path(ABSOLUTE_PATH path BASE_DIRECTORY "${base_dir}" NORMALIZE)
  cmake_path(RELATIVE_PATH path BASE_DIRECTORY "${CHAT_SOURCE_DIR}")
  set(${out} "${path}" PARENT_SCOPE)
endfunction()

# Reports what the CMake target has and the project lacks, and the other way round.
function(chat_compare_sets where target what expected actual)
  foreach(item IN LISTS expected)
    if(NOT item IN_LIST actual)
      chat_error("${where}: missing ${what} ${item} (CMake target ${target} has it)")
    endif()
  endforeach()
  set(seen "")
  foreach(item IN LISTS actual)
    if(NOT item IN_LIST expected)
      chat_error("${where}: ${what} ${item} is not in CMake target ${target}")
    elseif(item IN_LIST seen)
      chat_error("${where}: ${what} ${item} is listed twice")
    endif()
    list(APPEND seen "${item}")
  endforeach()
endfunction()

# ---------------------------------------------------------------------------------------------
# XML: enough of it to trust the regex look-ups below. Every start tag needs its end tag in the
# right order, and there is exactly one root element, <Project>. Comments and the <?xml ...?>
# declaration are skipped; a '>' inside an attribute value is not supported (VS writes none).
function(chat_strip_xml_comments out text)
  while(TRUE)
    string(FIND "${text}" "<!--" start)
    if(start EQUAL -1)
      break()
    endif()
    string(SUBSTRING "${text}" ${start} -1 rest)
    string(FIND "${rest}" "-->" length)
    if(length EQUAL -1)
      set(text "<unterminated-comment>")   # reported as unbalanced below
      break()
    endif()
    string(SUBSTRING "${text}" 0 ${start} before)
    math(EXPR after_start "${start} + ${length} + 3")
    string(SUBSTRING "${text}" ${after_start} -1 after)
    set(text "${before}${after}")
  endwhile()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(chat_check_xml file text)
  chat_strip_xml_comments(text "${text}")
  string(REGEX MATCHALL "<[^>]*>" tags "${text}")
  set(name "[A-Za-z_][A-Za-z0-9_.:-]*")
  set(open_elements "")
  set(roots 0)
  foreach(tag IN LISTS tags)
    if(tag MATCHES "^<\\?")
      continue()
    elseif(tag MATCHES "^</(${name})[ \t\n]*>$")
      set(element "${CMAKE_MATCH_1}")
      list(LENGTH open_elements depth)
      if(depth EQUAL 0)
        chat_error("${file}: malformed XML: ${tag} closes nothing")
        return()
      endif()
      list(POP_BACK open_elements innermost)
      if(NOT innermost STREQUAL element)
        chat_error("${file}: malformed XML: ${tag} closes <${innermost}>")
        return()
      endif()
    elseif(tag MATCHES "^<(${name})([ \t\n/][^>]*)?>$")
      set(element "${CMAKE_MATCH_1}")
      list(LENGTH open_elements depth)
      if(depth EQUAL 0)
        math(EXPR roots "${roots} + 1")
        if(NOT element STREQUAL "Project" OR roots GREATER 1)
          chat_error("${file}: malformed XML: the one root element must be <Project>, found <${element}>")
          return()
        endif()
      endif()
      if(NOT tag MATCHES "/>$")
        list(APPEND open_elements "${element}")
      endif()
    else()
      chat_unescape(tag "${tag}")
      chat_error("${file}: malformed XML: cannot read the tag ${tag}")
      return()
    endif()
  endforeach()
  if(open_elements)
    list(JOIN open_elements "> <" unclosed)
    chat_error("${file}: malformed XML: <${unclosed}> never closed")
  elseif(roots EQUAL 0)
    chat_error("${file}: malformed XML: no <Project> element")
  endif()
endfunction()

# The Include values of every <kind Include="..."> item, one list element each.
function(chat_xml_items out text kind)
  string(REGEX MATCHALL "<${kind}[ \t\n][^>]*Include=\"[^\"]*\"" items "${text}")
  set(values "")
  foreach(item IN LISTS items)
    string(REGEX REPLACE ".*Include=\"([^\"]*)\"$" "\\1" value "${item}")
    chat_unescape(value "${value}")
    list(APPEND values "${value}")
  endforeach()
  set(${out} "${values}" PARENT_SCOPE)
endfunction()

# The text of every <element>text</element>.
function(chat_xml_values out text element)
  string(REGEX MATCHALL "<${element}>[^<]*</${element}>" matches "${text}")
  set(values "")
  foreach(match IN LISTS matches)
    string(REGEX REPLACE "^<${element}>([^<]*)</${element}>$" "\\1" value "${match}")
    chat_unescape(value "${value}")
    string(STRIP "${value}" value)
    list(APPEND values "${value}")
  endforeach()
  set(${out} "${values}" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------------------------------------
# ChatServer.sln. Sets chat_sln_projects (project names, .vcxproj entries only),
# chat_sln_path_<name> (repository-relative), chat_sln_guid_<name> (upper case) and
# chat_sln_configurations ("Debug|x64", ...).
string(REPEAT "[0-9A-Fa-f]" 4 chat_hex4)
set(chat_guid_regex "^${chat_hex4}${chat_hex4}-${chat_hex4}-${chat_hex4}-${chat_hex4}-${chat_hex4}${chat_hex4}${chat_hex4}$")

function(chat_check_guid where guid)
  if(NOT guid MATCHES "${chat_guid_regex}")
    chat_error("${where}: malformed GUID {${guid}}")
  endif()
endfunction()

function(chat_parse_sln sln)
  if(NOT EXISTS "${sln}")
    chat_error("${chat_sln_name} does not exist")
    return()
  endif()
  chat_read_file(text "${sln}")
  string(REPLACE "\n" ";" lines "${text}")
  list(FILTER lines EXCLUDE REGEX "^[ \t]*$")
  list(POP_FRONT lines header)
  if(NOT header STREQUAL chat_sln_header)
    chat_error("${chat_sln_name}: the first line must be '${chat_sln_header}', not '${header}'")
  endif()

  set(projects "")
  set(all_guids "")
  set(open_project "")
  set(section "")
  set(solution_configurations "")
  set(built "")   # "<GUID>|<configuration>|ActiveCfg" and "...|Build.0" seen
  set(project_line "^Project\\(\"{([^}]*)}\"\\) = \"([^\"]*)\", \"([^\"]*)\", \"{([^}]*)}\"$")
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    if(line MATCHES "^Project\\(")
      if(open_project)
        chat_error("${chat_sln_name}: Project \"${open_project}\" has no EndProject")
      endif()
      if(NOT line MATCHES "${project_line}")
        chat_error("${chat_sln_name}: cannot read the line: ${line}")
        set(open_project "?")
        continue()
      endif()
      set(type_guid "${CMAKE_MATCH_1}")
      set(name "${CMAKE_MATCH_2}")
      set(path "${CMAKE_MATCH_3}")
      string(TOUPPER "${CMAKE_MATCH_4}" guid)
      set(open_project "${name}")
      chat_check_guid("${chat_sln_name}: project type of ${name}" "${type_guid}")
      chat_check_guid("${chat_sln_name}: project ${name}" "${guid}")
      if(guid IN_LIST all_guids)
        chat_error("${chat_sln_name}: GUID {${guid}} is used twice (again by ${name})")
      endif()
      list(APPEND all_guids "${guid}")
      if(path MATCHES "\\.vcxproj$")   # anything else (a solution folder) builds nothing
        if(name IN_LIST projects)
          chat_error("${chat_sln_name}: project ${name} is listed twice")
        endif()
        list(APPEND projects "${name}")
        chat_repo_path(repo_path "${path}" "${CHAT_SOURCE_DIR}")
        set(chat_sln_path_${name} "${repo_path}" PARENT_SCOPE)
        set(chat_sln_guid_${name} "${guid}" PARENT_SCOPE)
        set(guid_of_${name} "${guid}")
        set(guid_${guid} "${name}")
      endif()
    elseif(line STREQUAL "EndProject")
      if(NOT open_project)
        chat_error("${chat_sln_name}: EndProject without a Project")
      endif()
      set(open_project "")
    elseif(line MATCHES "^GlobalSection\\(([A-Za-z]*)\\)")
      set(section "${CMAKE_MATCH_1}")
    elseif(line STREQUAL "EndGlobalSection")
      set(section "")
    elseif(line STREQUAL "Global" AND open_project)
      chat_error("${chat_sln_name}: Project \"${open_project}\" has no EndProject")
      set(open_project "")
    elseif(section STREQUAL "SolutionConfigurationPlatforms" AND line MATCHES "^([^=]*[^= ]) = ")
      list(APPEND solution_configurations "${CMAKE_MATCH_1}")
    elseif(section STREQUAL "ProjectConfigurationPlatforms")
      if(line MATCHES "^{([^}]*)}\\.([^.]*)\\.(ActiveCfg|Build\\.0) = ")
        string(TOUPPER "${CMAKE_MATCH_1}" guid)
        if(NOT DEFINED guid_${guid})
          chat_error("${chat_sln_name}: configuration of {${guid}}, which is no project of the solution")
        endif()
        list(APPEND built "${guid}|${CMAKE_MATCH_2}|${CMAKE_MATCH_3}")
      endif()
    endif()
  endforeach()
  if(open_project)
    chat_error("${chat_sln_name}: Project \"${open_project}\" has no EndProject")
  endif()
  if(NOT solution_configurations)
    chat_error("${chat_sln_name}: no SolutionConfigurationPlatforms section")
  endif()

  # Every project must take part (ActiveCfg) and be built (Build.0) in every configuration.
  foreach(name IN LISTS projects)
    set(guid "${guid_of_${name}}")
    foreach(configuration IN LISTS solution_configurations)
      foreach(kind "ActiveCfg" "Build.0")
        if(NOT "${guid}|${configuration}|${kind}" IN_LIST built)
          chat_error("${chat_sln_name}: project ${name} {${guid}} has no ${configuration}.${kind} in the configuration section")
        endif()
      endforeach()
    endforeach()
  endforeach()
  set(chat_sln_projects "${projects}" PARENT_SCOPE)
  set(chat_sln_configurations "${solution_configurations}" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------------------------------------
# A CMake target's sources as CMake compiles them on Windows, split by how a .vcxproj has them:
#   <out>_compiled   repository-relative sources (ClCompile)
#   <out>_generated  file names of sources generated in the build tree (ClCompile under $(...))
#   <out>_protos     repository-relative .proto files (CustomBuild running protoc)
function(chat_cmake_sources out target)
  set(compiled "")
  set(generated "")
  set(protos "")
  foreach(source IN LISTS chat_${target}_sources)
    cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY "${chat_${target}_source_dir}" NORMALIZE)
    cmake_path(GET source EXTENSION LAST_ONLY extension)
    cmake_path(IS_PREFIX CHAT_BINARY_DIR "${source}" NORMALIZE in_build_tree)
    if(extension STREQUAL ".proto")
      chat_repo_path(source "${source}" "${CHAT_SOURCE_DIR}")
      list(APPEND protos "${source}")
    elseif(NOT extension IN_LIST chat_compiled_extensions)
      continue()   # headers
    elseif(in_build_tree)
      cmake_path(GET source FILENAME name)
      list(APPEND generated "${name}")
    else()
      chat_repo_path(source "${source}" "${CHAT_SOURCE_DIR}")
      if(NOT CHAT_TARGET_IS_WINDOWS AND source IN_LIST chat_linux_only_sources)
        continue()
      endif()
      if(NOT CHAT_TARGET_IS_WINDOWS)
        foreach(pair IN LISTS chat_linux_to_windows_sources)
          string(REPLACE "=" ";" pair "${pair}")
          list(GET pair 0 linux_source)
          if(source STREQUAL linux_source)
            list(GET pair 1 source)
            string(REPLACE "+" ";" source "${source}")
          endif()
        endforeach()
      endif()
      list(APPEND compiled "${source}")
    endif()
  endforeach()
  set(${out}_compiled "${compiled}" PARENT_SCOPE)
  set(${out}_generated "${generated}" PARENT_SCOPE)
  set(${out}_protos "${protos}" PARENT_SCOPE)
endfunction()

# Targets of ours that <target> links to or depends on (add_dependencies): its project references.
function(chat_cmake_references out target)
  set(references "")
  foreach(item IN LISTS chat_${target}_links chat_${target}_dependencies)
    if(item IN_LIST chat_targets AND NOT item IN_LIST references)
      list(APPEND references "${item}")
    endif()
  endforeach()
  set(${out} "${references}" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------------------------------------
# One .vcxproj against its CMake target.
function(chat_check_vcxproj target)
  set(vcxproj "${chat_sln_path_${target}}")
  set(vcxproj_file "${CHAT_SOURCE_DIR}/${vcxproj}")
  chat_repo_path(expected_path "${target}.vcxproj" "${chat_${target}_source_dir}")
  if(NOT vcxproj STREQUAL expected_path)
    chat_error("${chat_sln_name}: project ${target} is ${vcxproj}, not ${expected_path} beside the target's sources")
  endif()
  if(NOT EXISTS "${vcxproj_file}")
    chat_error("${vcxproj}: does not exist (named by ${chat_sln_name})")
    return()
  endif()
  cmake_path(GET vcxproj_file PARENT_PATH vcxproj_dir)
  chat_read_file(text "${vcxproj_file}")
  chat_check_xml("${vcxproj}" "${text}")

  # Identity and shape.
  chat_xml_values(guids "${text}" "ProjectGuid")
  string(TOUPPER "${guids}" guids)
  if(NOT guids STREQUAL "{${chat_sln_guid_${target}}}")
    chat_error("${vcxproj}: ProjectGuid ${guids} is not the solution's {${chat_sln_guid_${target}}}")
  endif()
  chat_xml_items(configurations "${text}" "ProjectConfiguration")
  foreach(configuration IN LISTS chat_sln_configurations)
    if(NOT configuration IN_LIST configurations)
      chat_error("${vcxproj}: no ProjectConfiguration ${configuration} (a solution configuration)")
    endif()
  endforeach()
  set(expected_type "${chat_vcxproj_type_${chat_${target}_type}}")
  chat_xml_values(types "${text}" "ConfigurationType")
  list(REMOVE_DUPLICATES types)
  if(NOT types STREQUAL expected_type)
    chat_error("${vcxproj}: ConfigurationType '${types}' should be '${expected_type}' (CMake target ${target}: ${chat_${target}_type})")
  endif()

  # Sources. A path with an MSBuild property in it ($(ChatProtoGenDir)chat.pb.cc) is generated.
  # CMake compiles one list in every configuration; so must the project, for the lists to compare.
  if(text MATCHES "<ClCompile[ \t\n][^>]*Condition=" OR text MATCHES "<ExcludedFromBuild")
    chat_error("${vcxproj}: ClCompile with a Condition or ExcludedFromBuild: compile the same files in every configuration")
  endif()
  chat_cmake_sources(cmake "${target}")
  chat_xml_items(items "${text}" "ClCompile")
  set(compiled "")
  set(generated "")
  foreach(item IN LISTS items)
    if(item MATCHES "[*?]")
      chat_error("${vcxproj}: wildcard ClCompile ${item}: list the files, as CMake does")
    elseif(item MATCHES "\\$\\(")
      string(REGEX REPLACE "^.*[/\\\\)]" "" name "${item}")
      list(APPEND generated "${name}")
    else()
      chat_repo_path(item "${item}" "${vcxproj_dir}")
      list(APPEND compiled "${item}")
    endif()
  endforeach()
  chat_compare_sets("${vcxproj}" "${target}" "ClCompile" "${cmake_compiled}" "${compiled}")
  chat_compare_sets("${vcxproj}" "${target}" "generated ClCompile" "${cmake_generated}" "${generated}")
  chat_xml_items(items "${text}" "CustomBuild")
  set(protos "")
  foreach(item IN LISTS items)
    chat_repo_path(item "${item}" "${vcxproj_dir}")
    list(APPEND protos "${item}")
  endforeach()
  chat_compare_sets("${vcxproj}" "${target}" "CustomBuild (protoc)" "${cmake_protos}" "${protos}")

  # Project references: by path to a project of the solution, with that project's GUID.
  chat_cmake_references(expected_references "${target}")
  string(REPLACE "<ProjectReference" ";" blocks "${text}")
  list(POP_FRONT blocks)
  set(references "")
  foreach(block IN LISTS blocks)
    if(NOT block MATCHES "^[ \t\n][^>]*Include=\"([^\"]*)\"")
      continue()   # <ProjectReference> in an ItemDefinitionGroup: defaults, not a reference
    endif()
    chat_unescape(path "${CMAKE_MATCH_1}")
    chat_repo_path(path "${path}" "${vcxproj_dir}")
    set(referenced "")
    foreach(project IN LISTS chat_sln_projects)
      if(chat_sln_path_${project} STREQUAL path)
        set(referenced "${project}")
      endif()
    endforeach()
    if(NOT referenced)
      chat_error("${vcxproj}: ProjectReference ${path} is no project of ${chat_sln_name}")
      continue()
    endif()
    list(APPEND references "${referenced}")
    string(FIND "${block}" "</ProjectReference>" end)
    string(SUBSTRING "${block}" 0 ${end} block)   # -1: up to the end
    set(guid "")
    if(NOT block MATCHES "^[^>]*/>" AND block MATCHES "<Project>{([^}<]*)}</Project>")
      string(TOUPPER "${CMAKE_MATCH_1}" guid)
    endif()
    if(NOT guid STREQUAL chat_sln_guid_${referenced})
      chat_error("${vcxproj}: ProjectReference ${path} needs <Project>{${chat_sln_guid_${referenced}}}</Project>")
    endif()
  endforeach()
  chat_compare_sets("${vcxproj}" "${target}" "ProjectReference" "${expected_references}" "${references}")

  # Compiler and linker settings (vs_settings.cmake).
  chat_check_vcxproj_settings("${target}" "${vcxproj}" "${text}")
endfunction()

# ---------------------------------------------------------------------------------------------
# One version for the program (CHAT_SERVER_VERSION), the vcpkg manifest and CMake.
function(chat_check_versions)
  set(props "Directory.Build.props")
  if(NOT EXISTS "${CHAT_SOURCE_DIR}/${props}")
    chat_error("${props} does not exist")
  else()
    chat_read_file(text "${CHAT_SOURCE_DIR}/${props}")
    chat_check_xml("${props}" "${text}")
    chat_xml_values(version "${text}" "ChatVersion")
    if(NOT version STREQUAL CHAT_PROJECT_VERSION)
      chat_error("${props}: ChatVersion '${version}', but CMake's project version is ${CHAT_PROJECT_VERSION}")
    endif()
  endif()
  set(manifest "vcpkg.json")
  if(NOT EXISTS "${CHAT_SOURCE_DIR}/${manifest}")
    chat_error("${manifest} does not exist")
    return()
  endif()
  file(READ "${CHAT_SOURCE_DIR}/${manifest}" json)
  string(JSON version ERROR_VARIABLE json_error GET "${json}" "version")
  if(json_error)
    chat_error("${manifest}: ${json_error}")
  elseif(NOT version STREQUAL CHAT_PROJECT_VERSION)
    chat_error("${manifest}: version '${version}', but CMake's project version is ${CHAT_PROJECT_VERSION}")
  endif()
endfunction()

# ---------------------------------------------------------------------------------------------
if(NOT CHAT_VS_TARGETS OR NOT EXISTS "${CHAT_VS_TARGETS}")
  message(FATAL_ERROR "Usage: cmake -DCHAT_VS_TARGETS=<build>/tests/vs_targets.cmake -P ${CMAKE_CURRENT_LIST_FILE}\n"
                      "(the file is written when a build is configured; '${CHAT_VS_TARGETS}' is not there)")
endif()
# Sets CHAT_SOURCE_DIR, CHAT_BINARY_DIR, CHAT_PROJECT_VERSION, CHAT_TARGET_IS_WINDOWS,
# chat_targets and, per target, chat_<target>_{type,source_dir,sources,links,dependencies}.
include("${CHAT_VS_TARGETS}")

include("${CMAKE_CURRENT_LIST_DIR}/vs_settings.cmake")
chat_read_props()
chat_msvc_warning_options()
chat_parse_sln("${CHAT_SOURCE_DIR}/${chat_sln_name}")
foreach(target IN LISTS chat_targets)
  if(NOT target IN_LIST chat_sln_projects)
    chat_repo_path(expected_path "${target}.vcxproj" "${chat_${target}_source_dir}")
    chat_error("${chat_sln_name}: no project for CMake target ${target} (expected: ${expected_path})")
  else()
    chat_check_vcxproj("${target}")
  endif()
endforeach()
foreach(project IN LISTS chat_sln_projects)
  if(NOT project IN_LIST chat_targets)
    chat_error("${chat_sln_name}: project ${project} (${chat_sln_path_${project}}) is no CMake target")
  endif()
endforeach()
chat_check_versions()
chat_check_solution_settings()

get_property(errors GLOBAL PROPERTY chat_vs_errors)
list(REMOVE_DUPLICATES errors)
list(LENGTH chat_targets count)
if(errors)
  list(LENGTH errors error_count)
  list(JOIN errors "\n  " report)
  if(NOT CHAT_TARGET_IS_WINDOWS)
    set(note "This build is not for Windows: its Linux-only sources stand for their Windows "
             "counterparts (the table at the top of tests/vs/check_vs_projects.cmake).\n")
  endif()
  message(FATAL_ERROR
    "ChatServer.sln does not build what CMake builds (${error_count} problem(s)):\n  ${report}\n"
    "Update the Visual Studio files to match the CMakeLists.txt (or the other way round).\n"
    ${note})
endif()
if(CHAT_TARGET_IS_WINDOWS)
  set(basis "this Windows configuration")
else()
  set(basis "this configuration, Linux sources swapped for their Windows counterparts")
endif()
message(STATUS "${chat_sln_name}: ${count} projects match the CMake targets of ${basis}")
