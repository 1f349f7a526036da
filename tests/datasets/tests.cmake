# Dataset readers: plain/gzip/zstd line reading and JSON Lines.
mn_add_test(line_reader_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/line_reader_test.cc
  LINK mnemo_datasets
  LABELS unit)

mn_add_test(jsonl_reader_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/jsonl_reader_test.cc
  LINK mnemo_datasets
  LABELS unit)

mn_add_test(corpus_reader_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/corpus_reader_test.cc
  LINK mnemo_datasets
  LABELS unit)

mn_add_test(block_reader_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/block_reader_test.cc
  LINK mnemo_datasets
  LABELS unit)

mn_add_test(corpus_pieces_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/corpus_pieces_test.cc
  LINK mnemo_datasets
  LABELS unit)
