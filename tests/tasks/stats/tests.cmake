# The statistics module (tasks/stats/): intervals, paired tests, aggregations.
foreach(_t intervals_test paired_tests_test two_proportions_test)
  mn_add_test(${_t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_t}.cc
    LINK mnemo_stats
    LABELS unit)
endforeach()
