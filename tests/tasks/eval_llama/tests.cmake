# Benchmark tasks on the real tiny-gemma3 model through the llama.cpp plugin, checked against
# the fixture's independent reference and against llama.cpp's own llama-perplexity.
if(TARGET mnemo_backend_llamacpp)
  mn_add_test(llama_tasks_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/llama_tasks_test.cc
              LINK mnemo_tasks mnemo_plugins LABELS integration TIMEOUT 1200)
  add_dependencies(llama_tasks_test mnemo_backend_llamacpp)
endif()
