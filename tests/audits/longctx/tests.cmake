# The long_context job on the real fixture through the llama.cpp plugin: cells, stored scores
# against RULER's scorer, resume from the store, refusal beyond the context, measured values
# against audits/kv.
if(TARGET mnemo_backend_llamacpp AND TARGET mnemo_audit_kv)
  mn_add_test(long_context_job_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/long_context_job_test.cc
    LINK mnemo_audit_longctx mnemo_audit_kv
    LABELS llamacpp TIMEOUT 300)
  add_dependencies(long_context_job_test mnemo_backend_llamacpp)
endif()
