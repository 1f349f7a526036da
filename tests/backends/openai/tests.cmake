# Tests of the openai HTTP backend (backends/openai) against a real llama-server serving the
# tiny-gemma3 fixture, with the in-process llama.cpp backend as the reference. Each executable
# starts its own server on a free loopback port and always stops it.
if(NOT TARGET mnemo_backend_openai OR NOT TARGET mnemo_backend_llamacpp OR NOT MNEMO_LLAMA_SERVER)
  return()
endif()

add_library(mnemo_openai_test_support STATIC ${CMAKE_CURRENT_LIST_DIR}/fault_proxy.cc)
target_include_directories(mnemo_openai_test_support PUBLIC ${MNEMO_SOURCE_ROOT})
target_link_libraries(mnemo_openai_test_support PUBLIC Threads::Threads)

mn_add_test(openai_backend_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/openai_backend_test.cc
  LINK mnemo_openai_test_support mnemo_scheduler mnemo_plugins mnemo_core
  LABELS openai TIMEOUT 120)
add_dependencies(openai_backend_test mnemo_backend_openai mnemo_backend_llamacpp)

mn_add_test(openai_fault_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/openai_fault_test.cc
  LINK mnemo_openai_test_support mnemo_scheduler mnemo_store mnemo_plugins mnemo_core
  LABELS openai TIMEOUT 180)
add_dependencies(openai_fault_test mnemo_backend_openai mnemo_backend_llamacpp)

# Several inference endpoints: two llama-servers, one killed mid-run (issue 18, item 4).
mn_add_test(openai_endpoints_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/openai_endpoints_test.cc
  LINK mnemo_openai_test_support mnemo_plugins mnemo_core
  LABELS openai TIMEOUT 120)
add_dependencies(openai_endpoints_test mnemo_backend_openai mnemo_backend_llamacpp)

mn_add_test(openai_eval_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/openai_eval_test.cc
  LINK mnemo_core nlohmann_json::nlohmann_json SQLite::SQLite3
  LABELS openai TIMEOUT 180)
add_dependencies(openai_eval_test mnemo mnemo_backend_openai mnemo_backend_llamacpp)

# The benchmark (bench/openai): requests/s through the plugin vs a plain libcurl loop. Labelled
# bench only, so CI (-LE bench) builds it but does not run it.
find_package(CURL REQUIRED)
mn_add_test(openai_bench
  SOURCES ${PROJECT_SOURCE_DIR}/bench/openai/openai_bench.cc
  LINK mnemo_plugins mnemo_core CURL::libcurl nlohmann_json::nlohmann_json
  LABELS bench TIMEOUT 300)
add_dependencies(openai_bench mnemo_backend_openai)

# Chat mode with conversations (ABI 1.3 messages_json): mnemo's chat requests against the same
# server's /apply-template + /v1/completions, asked directly with libcurl.
mn_add_test(openai_chat_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/openai_chat_test.cc
  LINK mnemo_plugins mnemo_core CURL::libcurl nlohmann_json::nlohmann_json
  LABELS openai TIMEOUT 120)
add_dependencies(openai_chat_test mnemo_backend_openai)

# --apply-chat-template rendered by mnemo (llamacpp) and by llama-server (openai chat mode).
mn_add_test(openai_chat_eval_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/openai_chat_eval_test.cc
  LINK mnemo_datasets nlohmann_json::nlohmann_json
  LABELS openai TIMEOUT 180)
add_dependencies(openai_chat_eval_test mnemo mnemo_backend_openai mnemo_backend_llamacpp)
