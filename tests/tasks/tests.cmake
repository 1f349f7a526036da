# Task helpers: templates, metrics, lm-eval request building and multiple-choice scoring.
mn_add_test(template_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/template_test.cc
  LINK mnemo_tasks mnemo_plugins
  LABELS unit)

mn_add_test(metrics_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/metrics_test.cc
  LINK mnemo_tasks mnemo_plugins
  LABELS unit)

# These two load the mock backend plugin (MNEMO_BACKEND_DIR).
mn_add_test(request_builder_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/request_builder_test.cc
  LINK mnemo_tasks mnemo_plugins
  LABELS unit)
add_dependencies(request_builder_test mnemo_backend_mock)

mn_add_test(multiple_choice_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/multiple_choice_test.cc
  LINK mnemo_tasks mnemo_plugins
  LABELS unit)
add_dependencies(multiple_choice_test mnemo_backend_mock)
