# The memorisation audit: pure logic, the CLI and job kind on the mock backend, and the real
# tiny-gemma3 checkpoints against the fixture's truth.
mn_add_test(memorization_unit_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/memorization_unit_test.cc
  LINK mnemo_audit_memorization
  LABELS unit)

mn_add_test(corpus_tokens_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/corpus_tokens_test.cc
  LINK mnemo_audit_memorization
  LABELS unit)

mn_add_test(memorization_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/memorization_cli_test.cc
  LINK mnemo_core SQLite::SQLite3
  LABELS integration TIMEOUT 300)
add_dependencies(memorization_cli_test mnemo mnemo_backend_mock)

mn_add_test(memorization_llama_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/memorization_llama_test.cc
  LINK mnemo_audit_memorization
  LABELS integration TIMEOUT 600)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(memorization_llama_test mnemo_backend_llamacpp)
endif()

# Benchmark (CI excludes the bench label): batched vs one-by-one vs llama-batched-bench.
mn_add_test(memorization_bench_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/memorization_bench_test.cc
  LINK mnemo_core
  LABELS bench TIMEOUT 900)
add_dependencies(memorization_bench_test mnemo)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(memorization_bench_test mnemo_backend_llamacpp)
endif()

# What the audit prints while it works: a progress display per phase, warnings once, -q.
mn_add_test(memorization_progress_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/memorization_progress_test.cc
  LINK mnemo_core
  LABELS integration TIMEOUT 300)
add_dependencies(memorization_progress_test mnemo mnemo_backend_mock)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(memorization_progress_test mnemo_backend_llamacpp)
endif()

# Memorisation jobs as shards i/N merged by the memorisation merge kind, equal to one process
# (issue 18), on the real tiny-gemma3 checkpoint.
mn_add_test(memorization_shard_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/memorization_shard_test.cc
  LINK mnemo_audit_memorization SQLite::SQLite3
  LABELS integration TIMEOUT 300)
if(TARGET mnemo_backend_llamacpp)
  add_dependencies(memorization_shard_test mnemo_backend_llamacpp)
endif()
