# RULER-style long-context tasks (tasks/longctx): the generator on the fixture's corpus, counted
# with the SentencePiece library on the fixture's tokenizer.model, and RULER's scoring.
mn_add_test(ruler_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ruler_test.cc
  LINK mnemo_tasks PkgConfig::SENTENCEPIECE
  LABELS unit)

mn_add_test(ruler_score_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ruler_score_test.cc
  LINK mnemo_tasks
  LABELS unit)
