# mn_add_backend(<name> SOURCES ... [LINK ...] [TEST_ONLY])
#
# Builds a backend plugin as a MODULE library in ${PROJECT_BINARY_DIR}/backends with hidden
# visibility and a version script exporting only mn_backend_entry, and writes its manifest
# <name>.backend.json beside it, where `mnemo` finds it without flags. TEST_ONLY marks a
# plugin built for mnemo's tests ("test_only": true): `mnemo backends` lists it only with --all.
set(MNEMO_BACKEND_OUTPUT_DIR ${PROJECT_BINARY_DIR}/backends)

function(mn_add_backend name)
  cmake_parse_arguments(ARG "TEST_ONLY" "ABI_MAJOR" "SOURCES;LINK" ${ARGN})
  if(NOT ARG_ABI_MAJOR)
    set(ARG_ABI_MAJOR 1)
  endif()
  set(target mnemo_backend_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE mnemo_abi ${ARG_LINK})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME mnemo_${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${MNEMO_BACKEND_OUTPUT_DIR}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${PROJECT_SOURCE_DIR}/cmake/backend.map"
    "LINKER:--no-undefined")
  set(MN_NAME ${name})
  set(MN_LIBRARY libmnemo_${name}.so)
  set(MN_ABI_MAJOR ${ARG_ABI_MAJOR})
  if(ARG_TEST_ONLY)
    set(MN_TEST_ONLY true)
  else()
    set(MN_TEST_ONLY false)
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/backend.json.in
                 ${MNEMO_BACKEND_OUTPUT_DIR}/${name}.backend.json @ONLY)
endfunction()
