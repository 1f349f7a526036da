# Plugin loader and backend conformance tests.
#
# The deliberately broken plugins (broken/broken_plugin.c, one library per defect) and their
# manifests go to ${PROJECT_BINARY_DIR}/test-plugins, never to the backends folder, so
# `mnemo backends` does not list them. Static manifest fixtures live in broken/manifests.
if(NOT MNEMO_BACKEND_TEST_PLUGINS)
  return()
endif()

set(MNEMO_TEST_PLUGIN_DIR ${PROJECT_BINARY_DIR}/test-plugins)
set(_mn_broken_dir ${CMAKE_CURRENT_LIST_DIR}/broken)
set(_mn_broken_targets)

# Writes <file>.backend.json into the test-plugin folder (only when its content changes).
function(_mn_test_manifest file name library abi_major abi_minor entry_point)
  set(extra "")
  if(entry_point)
    set(extra ",\n  \"entry_point\": \"${entry_point}\"")
  endif()
  string(CONCAT content
    "{\n  \"file_format_version\": 1,\n  \"name\": \"${name}\",\n"
    "  \"library_path\": \"${library}\",\n"
    "  \"abi_major\": ${abi_major},\n  \"abi_minor\": ${abi_minor}${extra}\n}\n")
  file(CONFIGURE OUTPUT ${MNEMO_TEST_PLUGIN_DIR}/${file}.backend.json CONTENT "${content}")
endfunction()

# A broken plugin <name> with defect <mode> (a MODE_* of broken_plugin.c) and its manifest.
function(_mn_broken_plugin name mode)
  set(target mnemo_test_plugin_${name})
  add_library(${target} MODULE ${_mn_broken_dir}/broken_plugin.c)
  target_link_libraries(${target} PRIVATE mnemo_abi)
  target_compile_definitions(${target} PRIVATE BROKEN_MODE=${mode} BROKEN_NAME="${name}")
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME mnemo_${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${MNEMO_TEST_PLUGIN_DIR}
    C_VISIBILITY_PRESET hidden)
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  set(entry "")
  if(ARGN)
    list(GET ARGN 0 entry)
  endif()
  _mn_test_manifest(${name} ${name} libmnemo_${name}.so 1 0 "${entry}")
  set(_mn_broken_targets ${_mn_broken_targets} ${target} PARENT_SCOPE)
endfunction()

_mn_broken_plugin(test_good MODE_GOOD)
_mn_broken_plugin(test_abi_refuse MODE_ABI_REFUSE)
_mn_broken_plugin(test_abi_info MODE_ABI_INFO)
_mn_broken_plugin(test_no_entry MODE_NO_ENTRY)
_mn_broken_plugin(test_entry_override MODE_NO_ENTRY mn_backend_entry_renamed)
_mn_broken_plugin(test_null_slot MODE_NULL_SLOT)
_mn_broken_plugin(test_small_info MODE_SMALL_INFO)
_mn_broken_plugin(test_small_vtable MODE_SMALL_VTABLE)
_mn_broken_plugin(test_init_no_error MODE_INIT_NO_ERROR)
_mn_broken_plugin(test_entry_fails MODE_ENTRY_FAILS)
# Manifest-level version checks: a good library behind manifests that must stop the loader
# before dlopen.
_mn_test_manifest(test_manifest_abi2 test_manifest_abi2 libmnemo_test_good.so 2 0 "")
_mn_test_manifest(test_manifest_minor99 test_manifest_minor99 libmnemo_test_good.so 1 99 "")

mn_add_test(loader_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/loader_test.cc
  LINK mnemo_plugins mnemo_core
  LABELS plugins)
target_compile_definitions(loader_test PRIVATE
  MNEMO_TEST_PLUGIN_DIR="${MNEMO_TEST_PLUGIN_DIR}"
  MNEMO_BROKEN_MANIFEST_DIR="${_mn_broken_dir}/manifests")
add_dependencies(loader_test mnemo_backend_mock mnemo_backend_faulty ${_mn_broken_targets})

# Runs the llama.cpp backend among the others, hence ALL_CORES.
mn_add_test(conformance_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/conformance_test.cc
  LINK mnemo_plugins mnemo_core
  LABELS plugins ALL_CORES)
add_dependencies(conformance_test mnemo_backend_mock mnemo_backend_faulty)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(conformance_test mnemo_backend_llamacpp)
endif()
