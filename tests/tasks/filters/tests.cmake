# Response filters (lm-eval's regex, take_first, majority_vote, ...).
mn_add_test(filters_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/filters_test.cc
  LINK mnemo_tasks
  LABELS unit)
