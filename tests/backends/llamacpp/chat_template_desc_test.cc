// The chat template facts of the llamacpp plugin's model description (ABI 1.3): chat_template,
// chat_templates_json and eot_token, against llama.cpp's own answers for the same file. The
// fixture has no template; a copy of it with templates written by gguf's C API must report
// exactly those texts.
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "llama.h"
#include "tests/backends/llamacpp/llamacpp_test_util.h"
#include "tests/support/gguf_copy.h"
#include "tests/support/test_util.h"

namespace mnemo::llamacpp_test {
namespace {

// Longer than any first-try buffer, so a long value must be read in full.
std::string LongTemplate(const std::string& tag) {
  std::string t = "{#- " + tag + " -#}\n";
  t += "{%- for message in messages -%}\n";
  t += "{{- '<start_of_turn>' + message.role + '\\n' + message.content + '<end_of_turn>\\n' -}}\n";
  t += "{%- endfor -%}\n{%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}";
  t += "{%- endif -%}\n{#- " + std::string(1500, 'x') + " \xc3\xa9 -#}";
  return t;
}

// llama.cpp's own answers for a GGUF file (vocabulary only, no weights).
struct LlamaTruth {
  std::string chat_template;
  int32_t eot = -1;
};

LlamaTruth ReadWithLlama(const std::string& path) {
  llama_model_params mp = llama_model_default_params();
  mp.vocab_only = true;
  llama_model* model = llama_model_load_from_file(path.c_str(), mp);
  LlamaTruth t;
  if (model == nullptr) {
    ADD_FAILURE() << "llama.cpp cannot load " << path;
    return t;
  }
  const char* tmpl = llama_model_chat_template(model, nullptr);
  t.chat_template = tmpl != nullptr ? tmpl : "";
  t.eot = std::max<int32_t>(llama_vocab_eot(llama_model_get_vocab(model)), -1);
  llama_model_free(model);
  return t;
}

class ChatTemplateDescTest : public ::testing::Test {
 protected:
  // Fingerprints of the copies go to a scratch cache, not the user's.
  void SetUp() override { setenv("MNEMO_CACHE", cache_.path().c_str(), 1); }
  void TearDown() override { unsetenv("MNEMO_CACHE"); }
  testing_util::TempDir cache_;
  testing_util::TempDir files_;
};

TEST_F(ChatTemplateDescTest, FixtureHasNoTemplateAndLlamaCppsEot) {
  Session s;
  ASSERT_EQ(s.Open(), "");
  const ModelInfo& info = s.model().info();
  LlamaTruth truth = ReadWithLlama(ModelPath());
  EXPECT_EQ(truth.chat_template, "");  // the fixture was written without one
  EXPECT_EQ(truth.eot, -1);            // nor an end-of-turn token
  EXPECT_EQ(info.chat_template, truth.chat_template);
  EXPECT_EQ(info.chat_templates_json, "");
  EXPECT_EQ(info.eot_token, truth.eot);
}

TEST_F(ChatTemplateDescTest, ReportsTheTemplatesWrittenIntoTheFile) {
  const std::string main_template = LongTemplate("default");
  const std::string tool_template = LongTemplate("tool_use") + "{{ tools | tojson }}";
  const std::string copy = files_.File("templated.gguf");
  ASSERT_TRUE(
      testing_util::CopyGgufWithMetadata(ModelPath(), copy,
                                         {{"tokenizer.chat_template", main_template},
                                          {"tokenizer.chat_template.tool_use", tool_template}},
                                         /*eot=*/3));
  LlamaTruth truth = ReadWithLlama(copy);
  ASSERT_EQ(truth.chat_template, main_template);  // llama.cpp reads the copy as written
  ASSERT_EQ(truth.eot, 3);

  Session s;
  ASSERT_EQ(s.Open(copy), "");
  const ModelInfo& info = s.model().info();
  EXPECT_EQ(info.chat_template, main_template);
  nlohmann::json named = nlohmann::json::parse(info.chat_templates_json, nullptr, false);
  ASSERT_TRUE(named.is_object()) << info.chat_templates_json;
  EXPECT_EQ(named, nlohmann::json({{"tool_use", tool_template}}));
  EXPECT_EQ(info.eot_token, truth.eot);
  // The copy is another file: another fingerprint, the same tokenizer.
  Session plain;
  ASSERT_EQ(plain.Open(), "");
  EXPECT_NE(info.fingerprint, plain.model().info().fingerprint);
}

}  // namespace
}  // namespace mnemo::llamacpp_test
