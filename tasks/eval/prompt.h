// A prompt as lm-eval builds it before it is rendered (lm_eval/api/utils.py): a list of turns,
// each with the delimiter that follows it when the prompt is plain text. Rendered either as
// plain text (MessagesToText) or, with a chat template, as a conversation (to_dict: the
// delimiters dropped), few-shot turns kept apart (fewshot_as_multiturn) or collapsed into one
// user turn (MultiturnToSingleturn).
//
// Thread-safety: plain values and stateless functions.
#ifndef MNEMO_TASKS_EVAL_PROMPT_H_
#define MNEMO_TASKS_EVAL_PROMPT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mnemo {

struct PromptMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
  std::string delimiter;  // appended in plain text only (lm-eval's Message._delimiter)
};

// lm-eval's messages_to_text: content + delimiter of every message.
std::string MessagesToText(const std::vector<PromptMessage>& messages);

// lm-eval's multiturn_to_singleturn: the system message (if first) kept, every other turn up to
// a final assistant message joined as plain text into one user message (the last joined turn's
// delimiter dropped), the final assistant message (a gen_prefix) kept. Precondition: at least
// one non-system message.
std::vector<PromptMessage> MultiturnToSingleturn(std::vector<PromptMessage> messages);

// [{"role", "content"}...]: the conversation a chat template renders.
nlohmann::json MessagesToChatJson(const std::vector<PromptMessage>& messages);

// lm-eval's maybe_delimit: prefix + delimiter + suffix, the delimiter only when neither side has
// whitespace (Python's str.isspace) at the join; an empty side gives the other.
std::string MaybeDelimit(const std::string& prefix, const std::string& suffix,
                         const std::string& delimiter);
// lm-eval's requires_delimiter: prefix non-empty and no whitespace at the join.
bool RequiresDelimiter(const std::string& prefix, const std::string& suffix);
// lm-eval's ends_with_whitespace.
bool EndsWithWhitespace(const std::string& s);

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_PROMPT_H_
