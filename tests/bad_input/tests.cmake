# The bad-input suite: cases.json in this folder, one ctest per case.
mn_add_test(bad_input_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/bad_input_test.cc
            LINK SQLite::SQLite3 nlohmann_json::nlohmann_json LABELS integration TIMEOUT 300)
target_compile_definitions(bad_input_test PRIVATE MNEMO_BAD_INPUT_DIR="${CMAKE_CURRENT_LIST_DIR}")
add_dependencies(bad_input_test mnemo mnemo_backend_mock)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(bad_input_test mnemo_backend_llamacpp)
endif()
