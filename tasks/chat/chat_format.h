// What `--apply-chat-template [NAME]`, `--system-instruction` and `--fewshot-as-multiturn`
// resolve to for one model: the chat template that renders prompts (the model's own, a named
// one, a built-in format or a file), who renders it (mnemo, or the backend's chat endpoint),
// the end-of-turn strings generation stops at, and the lm-eval fields that record it in
// results (chat_template, chat_template_sha, system_instruction_sha, fewshot_as_multiturn).
//
// Rendering follows lm-eval's HFLM.apply_chat_template: transformers' apply_chat_template with
// add_generation_prompt, or continue_final_message when the last message is an assistant
// prefix (gen_prefix), and one retry without the system message when the template refuses it.
//
// Thread-safety: a ChatFormat is immutable after Resolve; const methods are thread-safe.
#ifndef MNEMO_TASKS_CHAT_CHAT_FORMAT_H_
#define MNEMO_TASKS_CHAT_CHAT_FORMAT_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/plugins/backend_client.h"

namespace mnemo::chat {

// What the user asked for (command line or run config).
struct ChatOptions {
  bool apply = false;         // --apply-chat-template
  std::string template_name;  // its value: "" = the model's own template
  std::string system_instruction;
  std::optional<bool> fewshot_as_multiturn;  // unset: on with a template (lm-eval's default)

  bool multiturn() const { return fewshot_as_multiturn.value_or(apply); }
  // lm-eval refuses few-shot as multi-turn without a template.
  Status Validate() const;
  // {"apply_chat_template": false | true | "NAME", "system_instruction", "fewshot_as_multiturn"}
  // with only what was given; the run config's and the task fingerprint's form.
  nlohmann::json ToJson() const;
  // Reads the keys ToJson writes from a run-config object (others are ignored). On a bad value
  // the error says what is wrong and *bad_key names the key.
  static Result<ChatOptions> FromJson(const nlohmann::json& j, std::string* bad_key);
};

class ChatFormat {
 public:
  // Resolves `options.template_name` for `model`: a path to a file (containing '/' or ending in
  // ".jinja"), else the model's named template (GGUF tokenizer.chat_template.NAME; "default" is
  // the model's own), else a built-in format (named_templates.h); "" is the model's own
  // template. A backend that renders chat itself (MN_CAP_CHAT_TEMPLATE) is used as such, with
  // the template it reports; naming another template for it is refused. A template the Jinja
  // engine cannot run is refused here, with the construct named. Precondition: options.apply.
  static Result<ChatFormat> Resolve(const ChatOptions& options, const Model& model);

  // Renders a conversation ([{"role", "content"}...]): with the generation prompt, or, when
  // `add_generation_prompt` is false, continuing the final (assistant) message as transformers'
  // continue_final_message does. Fails when backend_renders().
  Result<std::string> Render(const nlohmann::json& messages, bool add_generation_prompt) const;

  bool backend_renders() const { return backend_renders_; }
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }  // "" when a server renders and hides it
  // Strings generation stops at besides the backend's end-of-generation tokens.
  const std::vector<std::string>& end_of_turn() const { return end_of_turn_; }
  // The model's BOS as text: a rendered prompt that starts with it gets no second BOS.
  const std::string& bos_text() const { return bos_text_; }
  // lm-eval's results fields and mnemo's: {"chat_template", "chat_template_sha",
  // "chat_template_name", "chat_template_source", "chat_rendered_by"}.
  nlohmann::json ResultsJson() const;

 private:
  std::string name_, source_, text_, bos_text_, eos_text_;
  std::vector<std::string> end_of_turn_;
  bool backend_renders_ = false;
};

}  // namespace mnemo::chat

#endif  // MNEMO_TASKS_CHAT_CHAT_FORMAT_H_
