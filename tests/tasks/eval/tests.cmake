# Task definitions (lm-eval YAML), local task data, prompts, the evaluator and the results
# layout (tasks/config/, tasks/eval/). Fixtures live in tests/tasks/eval/data.
set(_eval_test_defs
  MNEMO_EVAL_TEST_DATA="${CMAKE_CURRENT_LIST_DIR}/data"
  MNEMO_EVAL_SOURCE_ROOT="${PROJECT_SOURCE_DIR}")

foreach(_t task_config_test task_data_test task_test gpqa_mmlupro_test bbh_filters_test)
  mn_add_test(${_t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_t}.cc
    LINK mnemo_tasks mnemo_plugins
    LABELS unit)
  target_compile_definitions(${_t} PRIVATE ${_eval_test_defs})
endforeach()

# These load the mock backend plugin (MNEMO_BACKEND_DIR).
foreach(_t evaluator_test results_json_test lmeval_import_test groups_test hooks_test
           translation_metrics_test drop_xquad_test math_agieval_test)
  mn_add_test(${_t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/${_t}.cc
    LINK mnemo_tasks mnemo_plugins
    LABELS unit)
  target_compile_definitions(${_t} PRIVATE ${_eval_test_defs})
  add_dependencies(${_t} mnemo_backend_mock)
endforeach()

# Task data by Hugging Face name under --data-root, Parquet task data (through DuckDB when the
# build has it; else the refusal) and JSON records under a key.
mn_add_test(data_root_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/data_root_test.cc
  LINK mnemo_tasks mnemo_plugins $<TARGET_NAME_IF_EXISTS:mnemo::duckdb>
  LABELS unit)
target_compile_definitions(data_root_test PRIVATE ${_eval_test_defs})
