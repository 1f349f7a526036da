# Response filters (lm-eval's regex, take_first, majority_vote, ...) and Python-regex-on-RE2.
mn_add_test(py_regex_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/py_regex_test.cc
  LINK mnemo_tasks
  LABELS unit)

mn_add_test(filters_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/filters_test.cc
  LINK mnemo_tasks
  LABELS unit)
