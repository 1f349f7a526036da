# lm-eval metrics and standard errors (tasks/metrics/).
foreach(_t choice_test generation_test aggregation_test translation_test)
  mn_add_test(${_t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_t}.cc
    LINK mnemo_tasks
    LABELS unit)
endforeach()
