# mnemo_add_backend(<name> SOURCES ... [LINK ...] [TEST_ONLY] [ABI_MAJOR n])
#
# Builds a backend plugin as a MODULE library libmnemo_<name>.so in ${MNEMO_BACKEND_OUTPUT_DIR}
# (default: the folder `backends/` of the project's build folder) with hidden visibility and a
# version script exporting only mn_backend_entry, and writes its manifest <name>.backend.json
# beside it. In mnemo's own build that folder is where `mnemo` finds plugins without flags; out
# of tree, `mnemo --backend-path <it>` (or $MNEMO_BACKEND_PATH) finds them. TEST_ONLY marks a
# plugin built for mnemo's tests ("test_only": true): `mnemo backends` lists it only with --all.
# The plugin links mnemo::sdk (the headers only: nothing of mnemo is linked in).
#
# One file serves both builds: mnemo's CMakeLists includes it from cmake/, and the installed SDK
# (cmake/MnemoSdkInstall.cmake) puts it, backend.map and backend.json.in in lib/cmake/mnemo/,
# where mnemoConfig.cmake includes it. In mnemo's own build mn_add_backend is the same function.
if(NOT DEFINED MNEMO_BACKEND_OUTPUT_DIR)
  set(MNEMO_BACKEND_OUTPUT_DIR ${PROJECT_BINARY_DIR}/backends)
endif()

function(mnemo_add_backend name)
  cmake_parse_arguments(ARG "TEST_ONLY" "ABI_MAJOR" "SOURCES;LINK" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mnemo_add_backend(${name}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "mnemo_add_backend(${name}): SOURCES is empty")
  endif()
  if(NOT ARG_ABI_MAJOR)
    set(ARG_ABI_MAJOR 1)
  endif()
  set(here ${CMAKE_CURRENT_FUNCTION_LIST_DIR})  # backend.map and backend.json.in lie beside
  set(target mnemo_backend_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE mnemo::sdk ${ARG_LINK})
  get_property(_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(CXX IN_LIST _languages)
    target_compile_features(${target} PRIVATE cxx_std_17)  # backend_sdk.hpp is C++17
  endif()
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME mnemo_${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${MNEMO_BACKEND_OUTPUT_DIR}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${here}/backend.map"
    "LINKER:--no-undefined")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${here}/backend.map)
  set(MN_NAME ${name})
  set(MN_LIBRARY libmnemo_${name}.so)
  set(MN_ABI_MAJOR ${ARG_ABI_MAJOR})
  if(ARG_TEST_ONLY)
    set(MN_TEST_ONLY true)
  else()
    set(MN_TEST_ONLY false)
  endif()
  configure_file(${here}/backend.json.in
                 ${MNEMO_BACKEND_OUTPUT_DIR}/${name}.backend.json @ONLY)
endfunction()

# mnemo's in-tree name (backends/*/CMakeLists.txt); not part of the installed SDK.
if(PROJECT_NAME STREQUAL "mnemo")
  function(mn_add_backend)
    mnemo_add_backend(${ARGN})
  endfunction()
endif()
