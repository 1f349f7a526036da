# The plugin ABI header as strict C99: it must compile warning-free with -pedantic, and its
# struct layout is checked at run time from C (a plain executable, not GoogleTest).
add_executable(abi_c_compile ${CMAKE_CURRENT_LIST_DIR}/abi_c_compile.c)
target_link_libraries(abi_c_compile PRIVATE mnemo_abi)
set_target_properties(abi_c_compile PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON
                                               C_EXTENSIONS OFF)
target_compile_options(abi_c_compile PRIVATE -std=c99 -Wall -Wextra -pedantic -Werror)
add_test(NAME abi_c_compile COMMAND abi_c_compile)
set_tests_properties(abi_c_compile PROPERTIES LABELS abi TIMEOUT 30)
