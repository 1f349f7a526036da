#include "tests/tasks/chat/llama_reference.h"

#include <exception>

#include "chat.h"  // llama.cpp common/chat.h (provisioned source tree)
#include "llama.h"

// libllama-common's build-info symbols live in an object the provisioned install does not ship;
// common.cpp references them only to print build details.
int llama_build_number(void) {
  return 0;
}
const char* llama_commit(void) {
  return "mnemo-test";
}
const char* llama_compiler(void) {
  return "";
}
const char* llama_build_target(void) {
  return "";
}

namespace mnemo::chat::testing {

bool LlamaBuiltinApply(const std::string& tmpl, const std::vector<RefMessage>& messages,
                       bool add_generation_prompt, std::string* out, std::string* error) {
  std::vector<llama_chat_message> chat;
  size_t total = 0;
  for (const auto& m : messages) {
    chat.push_back({m.role.c_str(), m.content.c_str()});
    total += m.role.size() + m.content.size();
  }
  std::string buf(2 * total + 1024, '\0');
  int32_t n =
      llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), add_generation_prompt,
                                buf.data(), static_cast<int32_t>(buf.size()));
  if (n > static_cast<int32_t>(buf.size())) {
    buf.resize(n);
    n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), add_generation_prompt,
                                  buf.data(), static_cast<int32_t>(buf.size()));
  }
  if (n < 0) {
    *error = "llama_chat_apply_template returned " + std::to_string(n) + " (template not detected)";
    return false;
  }
  buf.resize(n);
  *out = std::move(buf);
  return true;
}

bool LlamaJinjaApply(const std::string& tmpl, const std::vector<RefMessage>& messages,
                     bool add_generation_prompt, const std::string& bos, const std::string& eos,
                     std::string* out, std::string* error) {
  try {
    auto templates = common_chat_templates_init(nullptr, tmpl, bos, eos);
    common_chat_templates_inputs inputs;
    inputs.use_jinja = true;
    inputs.add_generation_prompt = add_generation_prompt;
    for (const auto& m : messages) {
      common_chat_msg msg;
      msg.role = m.role;
      msg.content = m.content;
      inputs.messages.push_back(std::move(msg));
    }
    *out = common_chat_templates_apply(templates.get(), inputs).prompt;
    return true;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace mnemo::chat::testing
