#include "tasks/chat/chat_template.h"

#include "tasks/jinja/template.h"

namespace mnemo::chat {

nlohmann::json MessagesJson(const std::vector<ChatMessage>& messages) {
  nlohmann::json out = nlohmann::json::array();
  for (const ChatMessage& m : messages) {
    out.push_back({{"role", m.role}, {"content", m.content}});
  }
  return out;
}

Result<std::string> RenderChat(const std::string& template_text,
                               const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                               const std::string& bos_token, const std::string& eos_token,
                               const nlohmann::json& extra_variables) {
  if (!extra_variables.is_null() && !extra_variables.is_object()) {
    return Status::InvalidArgument("chat template variables must be a JSON object");
  }
  auto tmpl = jinja::Template::Parse(template_text, jinja::Options::HuggingFaceChat());
  if (!tmpl.ok()) {
    return Status(tmpl.status().code(), "chat template: " + tmpl.status().message());
  }
  nlohmann::json context = {
      {"messages", MessagesJson(messages)},
      {"add_generation_prompt", add_generation_prompt},
      {"bos_token", bos_token},
      {"eos_token", eos_token},
      {"tools", nullptr},  // transformers passes tools=None when there are none
  };
  if (extra_variables.is_object()) {
    for (auto it = extra_variables.begin(); it != extra_variables.end(); ++it) {
      context[it.key()] = it.value();
    }
  }
  auto out = tmpl->Render(context);
  if (!out.ok()) return Status(out.status().code(), "chat template: " + out.status().message());
  return out;
}

}  // namespace mnemo::chat
