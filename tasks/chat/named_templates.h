// Built-in chat formats a user can name with `--apply-chat-template NAME` when the model ships
// no template of that name. Names are llama.cpp's built-in format names (LLM_CHAT_TEMPLATES in
// src/llama-chat.cpp, `llama-server --chat-template NAME`), and each template renders, through
// RenderChat (tasks/chat/chat_template.h) with bos_token "", the bytes llama.cpp's
// llama_chat_apply_template(NAME, ...) renders for string contents, quirks included (which
// formats trim contents, Gemma's merged system prompt, Mistral v7 without generation prompt);
// tests/tasks/chat/named_templates_test.cc holds them to that. The templates are mnemo's own,
// written for these formats rather than copied from model repositories.
//
// Every template also takes a content that is a list of content parts: the "text" parts are
// joined with "\n" and other parts are skipped, as llama.cpp does before its built-in formats.
// Templates that start with the model's BOS text write {{ bos_token }} first (llama.cpp leaves
// BOS to the tokenizer); `description` says which.
//
// The table is built once and immutable; safe to read from many threads.
#ifndef MNEMO_TASKS_CHAT_NAMED_TEMPLATES_H_
#define MNEMO_TASKS_CHAT_NAMED_TEMPLATES_H_

#include <string>
#include <string_view>
#include <vector>

namespace mnemo::chat {

struct NamedTemplate {
  const char* name;                      // llama.cpp's name for the format
  const char* source;                    // Jinja for RenderChat
  std::vector<std::string> end_of_turn;  // stop strings that end an assistant turn
  const char* description;               // one line, for --help and listings
};

// The built-in template named `name` (exact, case-sensitive, as llama.cpp matches); nullptr
// when unknown.
const NamedTemplate* FindNamedTemplate(std::string_view name);

// All built-in templates, sorted by name.
const std::vector<NamedTemplate>& NamedTemplates();

}  // namespace mnemo::chat

#endif  // MNEMO_TASKS_CHAT_NAMED_TEMPLATES_H_
