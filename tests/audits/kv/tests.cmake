# The KV budget (audits/kv) against llama.cpp's own allocation on the tiny-gemma3 fixture.
# With the llama.cpp source tree beside the install prefix (scripts/provision-llama.sh leaves
# it there), the exact bytes come from llama_get_memory_breakdown (src/llama-ext.h); without
# it, from llama.cpp's log lines (MiB to two decimals).
if(NOT TARGET mnemo_audit_kv OR NOT TARGET llama)
  return()
endif()
mn_add_test(kv_budget_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/kv_budget_test.cc
  LINK mnemo_audit_kv llama
  LABELS llamacpp)
if(_llama_prefix AND EXISTS "${_llama_prefix}/.complete")
  file(STRINGS "${_llama_prefix}/.complete" _kv_llama_commit LIMIT_COUNT 1)
  get_filename_component(_kv_llama_ext
    "${_llama_prefix}/../src/llama.cpp-${_kv_llama_commit}/src/llama-ext.h" ABSOLUTE)
  if(EXISTS "${_kv_llama_ext}")
    target_compile_definitions(kv_budget_test PRIVATE MNEMO_LLAMA_EXT_H="${_kv_llama_ext}")
  endif()
endif()
