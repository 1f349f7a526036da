mn_add_test(cli_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_test.cc
            LINK mnemo_core SQLite::SQLite3 LABELS integration TIMEOUT 900)
add_dependencies(cli_test mnemo mnemo_backend_mock mnemo_backend_faulty)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(cli_test mnemo_backend_llamacpp)
endif()
if(TARGET mnemo_test_plugin_test_abi_info)
  add_dependencies(cli_test mnemo_test_plugin_test_abi_info)
endif()

# SIGKILL at random moments of a real run, resume, compare with an uninterrupted run.
mn_add_test(resume_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/resume_test.cc
            LINK SQLite::SQLite3 nlohmann_json::nlohmann_json LABELS integration TIMEOUT 900)
add_dependencies(resume_test mnemo)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(resume_test mnemo_backend_llamacpp)
endif()

# The CLI's shared vocabulary: model specs, --limit, store folders, number format, names.
mn_add_test(app_common_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/app_common_test.cc
            LINK mnemo_app LABELS unit)

# The run lifecycle: Ctrl-C (once, twice), resume links, run --list, report's default run,
# compare's refusal to gate on a partial run.
mn_add_test(lifecycle_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/lifecycle_test.cc
            LINK SQLite::SQLite3 nlohmann_json::nlohmann_json LABELS integration TIMEOUT 300)
add_dependencies(lifecycle_test mnemo mnemo_backend_faulty)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(lifecycle_test mnemo_backend_llamacpp)
endif()

# `mnemo eval --shard i/N` and `mnemo merge` (issue 18): merged shards equal a single-process
# run for N = 1, 2, 3 and 7 (tiny-gemma3 and the mock backend); every refusal of merge.
mn_add_test(shard_merge_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/shard_merge_test.cc
            LINK SQLite::SQLite3 LABELS integration TIMEOUT 600)
add_dependencies(shard_merge_test mnemo mnemo_backend_mock)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(shard_merge_test mnemo_backend_llamacpp)
endif()

# The scale benchmark of sharded runs (issue 18): N = 1, 2, 4, 8 shards of a 4 GB corpus, merge
# times, the 1 TB model. Label bench: not run by CI (ctest -LE bench); ~25 min on 2 cores.
add_test(NAME shards_bench COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/bench-shards.sh --mnemo
                                   $<TARGET_FILE:mnemo>)
set_tests_properties(shards_bench PROPERTIES LABELS bench TIMEOUT 3600)
