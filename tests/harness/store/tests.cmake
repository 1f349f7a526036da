# The SQLite run store.
mn_add_test(run_store_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/run_store_test.cc
  LINK mnemo_store
  LABELS unit)
mn_add_test(owned_tables_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/owned_tables_test.cc
  LINK mnemo_store
  LABELS unit)
