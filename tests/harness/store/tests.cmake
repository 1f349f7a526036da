# The SQLite run store.
mn_add_test(run_store_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/run_store_test.cc
  LINK mnemo_store
  LABELS unit)
mn_add_test(owned_tables_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/owned_tables_test.cc
  LINK mnemo_store
  LABELS unit)
# A store written by an earlier mnemo (fixtures/README.md): reports, new audits, every row kept.
mn_add_test(store_from_main_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_from_main_test.cc
  LINK mnemo_store SQLite::SQLite3
  LABELS integration TIMEOUT 120)
target_compile_definitions(store_from_main_test PRIVATE
  MNEMO_STORE_FIXTURES="${CMAKE_CURRENT_LIST_DIR}/fixtures")
add_dependencies(store_from_main_test mnemo)
# The run lifecycle: a run's process, killed runs, resumed runs linked, partial runs.
mn_add_test(run_lifecycle_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/run_lifecycle_test.cc
  LINK mnemo_store SQLite::SQLite3
  LABELS unit)
