# PII scanner (audits/pii): unit tests, the Presidio cases, the fixture's canaries, the CLI.
mn_add_test(pii_unit_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pii_unit_test.cc
  LINK mnemo_audit_pii
  LABELS unit TIMEOUT 120)
mn_add_test(pii_cases_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pii_cases_test.cc
  LINK mnemo_audit_pii
  LABELS unit TIMEOUT 120)
target_compile_definitions(pii_cases_test PRIVATE
  MNEMO_PII_TEST_DATA="${CMAKE_CURRENT_LIST_DIR}/data")
mn_add_test(pii_prefilter_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pii_prefilter_test.cc
  LINK mnemo_audit_pii
  LABELS unit TIMEOUT 120)
target_compile_definitions(pii_prefilter_test PRIVATE
  MNEMO_PII_TEST_DATA="${CMAKE_CURRENT_LIST_DIR}/data")
mn_add_test(pii_canary_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pii_canary_test.cc
  LINK mnemo_audit_pii
  LABELS unit TIMEOUT 120)
mn_add_test(pii_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pii_cli_test.cc
  LINK mnemo_audit_memorization mnemo_core SQLite::SQLite3
  LABELS integration TIMEOUT 300)
add_dependencies(pii_cli_test mnemo)
mn_add_test(display_redaction_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/display_redaction_test.cc
  LINK mnemo_audit_pii
  LABELS unit TIMEOUT 120)
mn_add_test(pii_shard_merge_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pii_shard_merge_test.cc
  LINK mnemo_audit_pii mnemo_audit_memorization mnemo_jobs SQLite::SQLite3 PkgConfig::ZSTD ZLIB::ZLIB
  LABELS unit TIMEOUT 300)
target_compile_definitions(pii_shard_merge_test PRIVATE
  MNEMO_PII_TEST_DATA="${CMAKE_CURRENT_LIST_DIR}/data")
# The PII file scan over a Parquet copy of the fixture corpus (DuckDB builds; skipped without):
# the JSONL scan's findings, and row-group shards merged against one process.
mn_add_test(pii_parquet_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pii_parquet_test.cc
  LINK mnemo_audit_pii mnemo_jobs SQLite::SQLite3 $<TARGET_NAME_IF_EXISTS:mnemo::duckdb>
  LABELS integration TIMEOUT 300)
