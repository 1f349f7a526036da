mn_add_test(ngram_hash_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ngram_hash_test.cc
  LINK mnemo_audit_ngram
  LABELS unit)
