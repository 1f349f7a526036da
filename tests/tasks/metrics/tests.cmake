# lm-eval metrics, standard errors and the CPython random port (tasks/metrics/, pyrandom).
foreach(_t pyrandom_test py_text_test choice_test generation_test aggregation_test)
  mn_add_test(${_t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_t}.cc
    LINK mnemo_tasks
    LABELS unit)
endforeach()
