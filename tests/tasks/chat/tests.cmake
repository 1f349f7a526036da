# Chat templates (tasks/chat): RenderChat's contract, and the byte-for-byte comparison with
# llama.cpp's renderers on the templates of the provisioned llama.cpp source.

mn_add_test(chat_render_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/chat_render_test.cc
  LINK mnemo_tasks
  LABELS unit)

# The comparison needs libllama, libllama-common and the llama.cpp source tree (common/chat.h,
# models/templates) that scripts/provision-llama.sh leaves next to the install prefix.
if(TARGET llama AND _llama_prefix)
  set(_llama_commit_marker "${_llama_prefix}/.complete")
  set(_llama_src "")
  if(EXISTS "${_llama_commit_marker}")
    file(STRINGS "${_llama_commit_marker}" _llama_src_commit LIMIT_COUNT 1)
    get_filename_component(_llama_src "${_llama_prefix}/../src/llama.cpp-${_llama_src_commit}"
                           ABSOLUTE)
  endif()
  set(_llama_common_lib "${_llama_prefix}/lib/libllama-common.a")
  if(_llama_src AND EXISTS "${_llama_src}/common/chat.h" AND EXISTS "${_llama_common_lib}")
    mn_add_test(chat_template_test
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/chat_template_test.cc
              ${CMAKE_CURRENT_LIST_DIR}/llama_reference.cc
      LINK mnemo_tasks ${_llama_common_lib} llama
      LABELS unit)
    target_compile_definitions(chat_template_test PRIVATE
      MNEMO_LLAMA_SOURCE_DIR="${_llama_src}")
    # llama.cpp's headers (and its vendored nlohmann::json) only for the reference wrapper.
    set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/llama_reference.cc PROPERTIES
      INCLUDE_DIRECTORIES "${_llama_src}/common;${_llama_src}/vendor;${_llama_prefix}/include"
      COMPILE_OPTIONS "-Wno-unused-function")  # static helpers in common/jinja/*.h
    # Built-in named templates against llama_chat_apply_template (libllama only; the reference
    # wrapper still needs common/ for its Jinja half).
    mn_add_test(named_templates_test
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/named_templates_test.cc
              ${CMAKE_CURRENT_LIST_DIR}/llama_reference.cc
      LINK mnemo_tasks ${_llama_common_lib} llama
      LABELS unit)
  else()
    message(STATUS "chat_template_test: no llama.cpp source tree or libllama-common next to "
                   "${_llama_prefix}; the llama.cpp comparison is not built")
  endif()
endif()

# Chat-formatted evaluation on the fixture through the llama.cpp plugin, against
# llama_chat_apply_template (the reference wrapper above).
if(TARGET chat_template_test AND TARGET mnemo_backend_llamacpp)
  mn_add_test(chat_eval_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/chat_eval_test.cc ${CMAKE_CURRENT_LIST_DIR}/llama_reference.cc
    LINK mnemo_tasks mnemo_plugins ${_llama_common_lib} llama
    LABELS integration TIMEOUT 300)
  add_dependencies(chat_eval_test mnemo_backend_llamacpp)
endif()
