// Renders a conversation with a model's chat template (GGUF `tokenizer.chat_template`, Jinja)
// the way transformers' apply_chat_template does: mnemo's Jinja engine (tasks/jinja) in the
// environment transformers uses (trim_blocks, lstrip_blocks, loop controls, the default
// lenient Undefined, raise_exception, strftime_now, its tojson), with the variables messages,
// add_generation_prompt, bos_token, eos_token and tools (None).
//
// A template that uses a construct the engine does not run is refused with the construct named
// (kUnsupported); a template that calls raise_exception(msg) fails with msg (kInvalidArgument).
// Stateless and thread-safe.
#ifndef MNEMO_TASKS_CHAT_CHAT_TEMPLATE_H_
#define MNEMO_TASKS_CHAT_CHAT_TEMPLATE_H_

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo::chat {

// One message as transformers passes it to the template: a role and a content that is a string
// or a list of content parts ({"type": "text", "text": ...}), left as given (templates differ
// in whether they accept parts).
struct ChatMessage {
  std::string role;
  nlohmann::json content;

  ChatMessage(std::string r, std::string text) : role(std::move(r)), content(std::move(text)) {}
  ChatMessage(std::string r, const char* text) : role(std::move(r)), content(text) {}
  ChatMessage(std::string r, nlohmann::json parts)
      : role(std::move(r)), content(std::move(parts)) {}
};

// The `messages` variable: [{"role": ..., "content": ...}, ...].
nlohmann::json MessagesJson(const std::vector<ChatMessage>& messages);

// Renders `template_text` for `messages`. `extra_variables` (a JSON object, may be null) adds
// or overrides template variables, as apply_chat_template's **kwargs do (date_string, tools).
Result<std::string> RenderChat(const std::string& template_text,
                               const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                               const std::string& bos_token, const std::string& eos_token,
                               const nlohmann::json& extra_variables = nullptr);

}  // namespace mnemo::chat

#endif  // MNEMO_TASKS_CHAT_CHAT_TEMPLATE_H_
