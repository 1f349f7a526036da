# The Python-compatibility module (tasks/python/): str methods and Unicode tables, the CPython
# random port, Python regex on RE2.
foreach(_t pyrandom_test py_text_test py_regex_test)
  mn_add_test(${_t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_t}.cc
    LINK mnemo_tasks
    LABELS unit)
endforeach()
