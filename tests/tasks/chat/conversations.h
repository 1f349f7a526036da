// The conversations the chat template tests render (chat_template_test.cc,
// named_templates_test.cc), kept in one place so both compare on the same inputs: plain and
// system-prefixed turns, multi-turn, non-ASCII, Jinja syntax inside content, and contents with
// surrounding whitespace (where formats differ in trimming).
#ifndef MNEMO_TESTS_TASKS_CHAT_CONVERSATIONS_H_
#define MNEMO_TESTS_TASKS_CHAT_CONVERSATIONS_H_

#include <string>
#include <vector>

#include "tests/tasks/chat/llama_reference.h"

namespace mnemo::chat::testing {

struct Conversation {
  std::string name;
  std::vector<RefMessage> messages;
  bool has_system() const { return !messages.empty() && messages[0].role == "system"; }
  bool multi_user() const {
    int users = 0;
    for (const auto& m : messages) users += m.role == "user";
    return users > 1;
  }
};

inline std::vector<Conversation> Conversations() {
  return {
      {"user", {{"user", "Hello"}}},
      {"system+user", {{"system", "You are a helpful assistant."}, {"user", "What is 2+2?"}}},
      {"multi-turn",
       {{"user", "Hi"}, {"assistant", "Hello! How can I help?"}, {"user", "Tell me a joke."}}},
      {"system+multi-turn",
       {{"system", "Be brief."},
        {"user", "Hi"},
        {"assistant", "Hello."},
        {"user", "Name a prime."}}},
      {"unicode",
       {{"user",
         "Gr\xc3\xbc\xc3\x9f"
         "e, \xe4\xb8\x96\xe7\x95\x8c! \xf0\x9f\x99\x82 na\xc3\xafve \xe2\x80\x94 \xc3\xa7"
         "a va?"}}},
      {"jinja-braces",
       {{"user", "Render {{ x }} and {% if y %}z{% endif %} literally {# not a comment #}"}}},
      {"padded", {{"user", "  padded content \n"}, {"assistant", " answer "}, {"user", "\tnext"}}},
  };
}

}  // namespace mnemo::chat::testing

#endif  // MNEMO_TESTS_TASKS_CHAT_CONVERSATIONS_H_
