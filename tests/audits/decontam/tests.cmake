# Decontamination: janitor normalisation, JSONL field extraction, n-gram set, methods, scan,
# and the CLI end to end on the tiny-gemma3 fixture.
mn_add_test(decontam_unit_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/decontam_unit_test.cc
  LINK mnemo_audit_decontam
  LABELS unit
  TIMEOUT 60)

mn_add_test(decontam_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/decontam_cli_test.cc
  LINK mnemo_audit_decontam
  LABELS integration
  TIMEOUT 120)

# The throughput benchmark (>= 1 GB corpus in /tmp; minutes): ctest -L bench.
add_test(NAME decontam_bench
  COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/bench-decontam.sh $<TARGET_FILE:mnemo>)
set_tests_properties(decontam_bench PROPERTIES LABELS bench TIMEOUT 1800)

# The decontam job as shards of a run config, merged through stores, against a single-process
# run (N = 1, 2, 3, 7; plain and multi-frame .zst corpora); rescoring with the llamacpp backend.
mn_add_test(decontam_shard_merge_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/decontam_shard_merge_test.cc
  LINK mnemo_audit_decontam
  LABELS integration
  TIMEOUT 300)

# The decontam job over a Parquet copy of the fixture corpus (DuckDB builds; skipped without):
# the JSONL run's rows and the planted 85, and row-group shards merged against one process.
mn_add_test(decontam_parquet_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/decontam_parquet_test.cc
  LINK mnemo_audit_decontam $<TARGET_NAME_IF_EXISTS:mnemo::duckdb>
  LABELS integration
  TIMEOUT 300)
