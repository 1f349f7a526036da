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
