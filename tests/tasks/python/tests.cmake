# The Python-compatibility module (tasks/python/): str methods and Unicode tables, the CPython
# random port, Python regex on RE2.
foreach(_t pyrandom_test py_text_test py_regex_test)
  mn_add_test(${_t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_t}.cc
    LINK mnemo_tasks
    LABELS unit)
endforeach()

target_compile_definitions(py_regex_test PRIVATE
  MNEMO_PY_LOOKAROUND_CASES="${CMAKE_CURRENT_LIST_DIR}/data/lookaround_cases.jsonl")

# str_cases.jsonl (CPython's answers for tricky inputs) against py_text and the Jinja renderer.
mn_add_test(py_str_cases_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/py_str_cases_test.cc
  LINK mnemo_tasks
  LABELS unit)
target_compile_definitions(py_str_cases_test PRIVATE
  MNEMO_PY_STR_CASES="${CMAKE_CURRENT_LIST_DIR}/str_cases.jsonl")

# The generated files are what their generators write with this machine's python3, byte for
# byte: the Unicode tables (scripts/gen_py_unicode_tables.py) and the cases above
# (scripts/gen_py_str_cases.py).
find_package(Python3 COMPONENTS Interpreter REQUIRED)
add_test(NAME py_unicode_tables_regen
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/regen_check.py
                 ${PROJECT_SOURCE_DIR}/scripts/gen_py_unicode_tables.py
                 ${PROJECT_SOURCE_DIR}/tasks/python/py_unicode_tables.cc)
add_test(NAME py_str_cases_regen
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/regen_check.py
                 ${PROJECT_SOURCE_DIR}/scripts/gen_py_str_cases.py
                 ${CMAKE_CURRENT_LIST_DIR}/str_cases.jsonl)
add_test(NAME py_lookaround_cases_regen
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/regen_check.py
                 ${CMAKE_CURRENT_LIST_DIR}/data/lookaround_cases.py
                 ${CMAKE_CURRENT_LIST_DIR}/data/lookaround_cases.jsonl)
set_tests_properties(py_unicode_tables_regen py_str_cases_regen py_lookaround_cases_regen PROPERTIES LABELS unit TIMEOUT 120)
