# The plugin ABI header as strict C99: it must compile warning-free with -pedantic, and its
# struct layout is checked at run time from C (a plain executable, not GoogleTest).
add_executable(abi_c_compile ${CMAKE_CURRENT_LIST_DIR}/abi_c_compile.c)
target_link_libraries(abi_c_compile PRIVATE mnemo_abi)
set_target_properties(abi_c_compile PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON
                                               C_EXTENSIONS OFF)
target_compile_options(abi_c_compile PRIVATE -std=c99 -Wall -Wextra -pedantic -Werror)
add_test(NAME abi_c_compile COMMAND abi_c_compile)
set_tests_properties(abi_c_compile PROPERTIES LABELS abi TIMEOUT 30)

# The installed plugin SDK (issue 19): installs component "sdk" of this build into a temporary
# prefix, builds examples/plugin against it as a separate project (this compiler, Ninja), loads
# it with --backend-path and runs tiny_geo and a generation through it (a few seconds).
if(CMAKE_GENERATOR STREQUAL "Ninja")
  set(MNEMO_NINJA ${CMAKE_MAKE_PROGRAM})
else()
  find_program(MNEMO_NINJA NAMES ninja ninja-build)
endif()
mn_add_test(sdk_install_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sdk_install_test.cc
            LINK nlohmann_json::nlohmann_json LABELS integration TIMEOUT 300)
target_compile_definitions(sdk_install_test PRIVATE
  MNEMO_CMAKE="${CMAKE_COMMAND}"
  MNEMO_NINJA="$<$<BOOL:${MNEMO_NINJA}>:${MNEMO_NINJA}>"
  MNEMO_CXX_COMPILER="${CMAKE_CXX_COMPILER}")
add_dependencies(sdk_install_test mnemo)
