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

# Perplexity by position (tasks/longctx/position_ppl.h) on hand-made windows, and `mnemo
# perplexity` on the fixture against llama.cpp's own llama-perplexity (same text, same -c).
mn_add_test(position_ppl_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/position_ppl_test.cc
  LINK mnemo_tasks
  LABELS unit)
if(TARGET mnemo_backend_llamacpp)
  mn_add_test(perplexity_cli_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/perplexity_cli_test.cc
    LINK mnemo_store nlohmann_json::nlohmann_json
    LABELS llamacpp TIMEOUT 300)
  add_dependencies(perplexity_cli_test mnemo mnemo_backend_llamacpp)
endif()
