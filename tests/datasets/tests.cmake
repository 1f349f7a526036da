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

# Parquet corpora (through DuckDB when the build has it; else the refusal).
mn_add_test(parquet_reader_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/parquet_reader_test.cc
  LINK mnemo_datasets $<TARGET_NAME_IF_EXISTS:mnemo::duckdb>
  LABELS unit)

# BlockReader's Parquet mode: rows as generated JSONL lines, whole and by row group.
mn_add_test(block_reader_parquet_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/block_reader_parquet_test.cc
  LINK mnemo_datasets $<TARGET_NAME_IF_EXISTS:mnemo::duckdb>
  LABELS unit)
