// llama.cpp's two chat renderers, the independent truth chat_template_test compares mnemo's
// with (test-only; links the provisioned libllama and libllama-common):
//   - LlamaBuiltinApply: llama_chat_apply_template (libllama), which detects a template by its
//     text and renders its own built-in C++ format (no Jinja);
//   - LlamaJinjaApply: common_chat_templates_apply with use_jinja (libllama-common), llama.cpp's
//     own Jinja engine running the template text, as llama-server does.
// Plain std::string interface so this file's llama.cpp headers (and their vendored
// nlohmann::json) stay out of the test's translation unit.
#ifndef MNEMO_TESTS_TASKS_CHAT_LLAMA_REFERENCE_H_
#define MNEMO_TESTS_TASKS_CHAT_LLAMA_REFERENCE_H_

#include <string>
#include <utility>
#include <vector>

namespace mnemo::chat::testing {

struct RefMessage {
  std::string role;
  std::string content;
};

// Returns false (with *error set) when llama.cpp refuses the template or the conversation.
bool LlamaBuiltinApply(const std::string& tmpl, const std::vector<RefMessage>& messages,
                       bool add_generation_prompt, std::string* out, std::string* error);
bool LlamaJinjaApply(const std::string& tmpl, const std::vector<RefMessage>& messages,
                     bool add_generation_prompt, const std::string& bos, const std::string& eos,
                     std::string* out, std::string* error);

}  // namespace mnemo::chat::testing

#endif  // MNEMO_TESTS_TASKS_CHAT_LLAMA_REFERENCE_H_
