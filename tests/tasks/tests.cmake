# Task helpers: metrics and lm-eval request building.
mn_add_test(metrics_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/metrics_test.cc
  LINK mnemo_tasks mnemo_plugins
  LABELS unit)

# Loads the mock backend plugin (MNEMO_BACKEND_DIR).
mn_add_test(request_builder_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/request_builder_test.cc
  LINK mnemo_tasks mnemo_plugins
  LABELS unit)
add_dependencies(request_builder_test mnemo_backend_mock)
