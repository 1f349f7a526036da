# Tests of the in-process llama.cpp backend (backends/llamacpp). The pure pieces (token windows
# from backends/common, fingerprints) are linked or compiled into their tests directly;
# everything else goes through the plugin loaded by the host API, against the tiny-gemma3
# fixture.
if(NOT TARGET mnemo_backend_llamacpp)
  return()
endif()

set(_mn_llama_src ${PROJECT_SOURCE_DIR}/backends/llamacpp)

mn_add_test(llamacpp_windows_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/rolling_windows_test.cc
  LINK mnemo_backend_common mnemo_plugins mnemo_core nlohmann_json::nlohmann_json
  LABELS llamacpp)
add_dependencies(llamacpp_windows_test mnemo_backend_llamacpp)

mn_add_test(llamacpp_fingerprint_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fingerprint_test.cc ${_mn_llama_src}/fingerprint.cc
  LINK mnemo_core nlohmann_json::nlohmann_json PkgConfig::XXHASH llama
  LABELS llamacpp)
target_include_directories(llamacpp_fingerprint_test PRIVATE ${_mn_llama_src})

mn_add_test(llamacpp_reference_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reference_test.cc
  LINK mnemo_plugins mnemo_core nlohmann_json::nlohmann_json
  LABELS llamacpp)
add_dependencies(llamacpp_reference_test mnemo_backend_llamacpp)

mn_add_test(llamacpp_tokenizer_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tokenizer_test.cc
  LINK mnemo_plugins mnemo_core nlohmann_json::nlohmann_json PkgConfig::SENTENCEPIECE
  LABELS llamacpp)
add_dependencies(llamacpp_tokenizer_test mnemo_backend_llamacpp)

# The description's chat template facts (ABI 1.3) against llama.cpp's own reading of the fixture
# and of a copy with templates written by gguf's C API (llama links ggml's gguf).
mn_add_test(llamacpp_chat_template_desc_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/chat_template_desc_test.cc
  LINK mnemo_plugins mnemo_core nlohmann_json::nlohmann_json llama
  LABELS llamacpp)
add_dependencies(llamacpp_chat_template_desc_test mnemo_backend_llamacpp)

mn_add_test(llamacpp_backend_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/backend_test.cc
  LINK mnemo_plugins mnemo_core nlohmann_json::nlohmann_json
  LABELS llamacpp)
add_dependencies(llamacpp_backend_test mnemo_backend_llamacpp)

# Prints tokens/s; labelled bench (alone: mn_add_test passes one label through intact) so
# `ctest -L llamacpp` and `ctest -LE bench` leave it out.
mn_add_test(llamacpp_throughput_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/throughput_test.cc
  LINK mnemo_plugins mnemo_core nlohmann_json::nlohmann_json
  LABELS bench)
add_dependencies(llamacpp_throughput_test mnemo_backend_llamacpp)
