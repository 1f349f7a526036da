// RenderChat's contract (tasks/chat/chat_template.h) without llama.cpp: the variables
// transformers' apply_chat_template passes, content parts left as given, refusals naming the
// construct. The comparison with llama.cpp is chat_template_test.cc.
#include <gtest/gtest.h>

#include "tasks/chat/chat_template.h"

namespace mnemo::chat {
namespace {

TEST(ChatRenderTest, PassesTransformersVariables) {
  // Jinja2 prints Python's str(): True and None.
  auto out = RenderChat(
      "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ tools }}|"
      "{{ messages | length }}|{{ messages[0].role }}:{{ messages[0].content }}\n",
      {{"user", "hi"}}, true, "<s>", "</s>");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "<s>|</s>|True|None|1|user:hi");  // the template's trailing newline is dropped
}

TEST(ChatRenderTest, ContentPartsReachTheTemplateAsAList) {
  const nlohmann::json parts = nlohmann::json::parse(
      R"([{"type": "text", "text": "a"}, {"type": "image"}, {"type": "text", "text": "b"}])");
  auto out =
      RenderChat("{% for p in messages[0].content if p.type == 'text' %}{{ p.text }}{% endfor %}",
                 {ChatMessage("user", parts)}, false, "", "");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "ab");
}

TEST(ChatRenderTest, ExtraVariablesOverride) {
  auto out = RenderChat("{{ date_string }} {{ tools | length }}", {}, false, "", "",
                        {{"date_string", "26 Jul 2024"}, {"tools", {1, 2}}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "26 Jul 2024 2");
}

TEST(ChatRenderTest, UnsupportedConstructIsNamed) {
  auto out = RenderChat("{% macro m() %}x{% endmacro %}{{ m() }}", {{"user", "u"}}, false, "", "");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(out.status().message(),
            "chat template: unsupported Jinja construct '{% macro' at offset 0");
}

TEST(ChatRenderTest, RaiseExceptionIsARenderError) {
  auto out = RenderChat("{{ raise_exception('roles must alternate') }}", {}, false, "", "");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "chat template: the template raised an exception: roles must alternate at offset 3");
}

}  // namespace
}  // namespace mnemo::chat
