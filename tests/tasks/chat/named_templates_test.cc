// The built-in named chat templates (tasks/chat/named_templates.h) compared byte for byte with
// llama.cpp's built-in formats of the same name: llama_chat_apply_template(NAME, ...) of the
// provisioned libllama, which renders its own C++ code for NAME (no Jinja).
//
// llama_chat_apply_template never writes BOS, so mnemo renders with bos_token "" and must give
// the same bytes; a second render with a real BOS text must give exactly BOS + those bytes for
// the formats that start with BOS (gemma, llama3, mistral-v7) and the same bytes for the
// others. Content parts: llama.cpp joins the text parts of a message with "\n" before its
// built-in formats (common_chat_templates_apply_legacy, common/chat.cpp), so a parts content
// must render as llama.cpp renders the joined string.
#include "tasks/chat/named_templates.h"

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "llama.h"
#include "tasks/chat/chat_template.h"
#include "tests/tasks/chat/conversations.h"
#include "tests/tasks/chat/llama_reference.h"

namespace mnemo::chat {
namespace {

using testing::Conversation;
using testing::RefMessage;

// The shared conversations, and a few that reach the formats' quirks: Unicode whitespace
// (llama.cpp's trim is ASCII-only), two system messages (Gemma concatenates them), a system
// message after an assistant turn, and a conversation that ends with the assistant.
std::vector<Conversation> AllConversations() {
  std::vector<Conversation> all = testing::Conversations();
  all.push_back({"unicode-space-padded",
                 {{"user", "\xc2\xa0 nbsp and ideographic space \xe3\x80\x80"},
                  {"assistant",
                   "\xe2\x80\x83"
                   "em space\n"}}});
  all.push_back({"two-systems", {{"system", " A. "}, {"system", "B."}, {"user", "Go."}}});
  all.push_back(
      {"late-system",
       {{"user", "Hi"}, {"assistant", "Hello."}, {"system", "Be terse."}, {"user", "Q"}}});
  all.push_back({"ends-with-assistant",
                 {{"system", "S"},
                  {"user", "Q1"},
                  {"assistant", "A1"},
                  {"user", "Q2"},
                  {"assistant", "A2"}}});
  return all;
}

bool WritesBos(const std::string& name) {
  static const std::set<std::string> kBos = {"gemma", "llama3", "mistral-v7"};
  return kBos.count(name) > 0;
}

std::string Show(const std::string& s) {
  std::string out;
  for (char ch : s) out += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  return out;
}

std::vector<ChatMessage> AsStrings(const std::vector<RefMessage>& messages) {
  std::vector<ChatMessage> out;
  for (const auto& m : messages) out.emplace_back(m.role, m.content);
  return out;
}

// Each content as [text, image, text " (more)"]; `joined` gets what llama.cpp renders for it.
std::vector<ChatMessage> AsParts(const std::vector<RefMessage>& messages,
                                 std::vector<RefMessage>* joined) {
  std::vector<ChatMessage> out;
  for (const auto& m : messages) {
    nlohmann::json parts = nlohmann::json::array();
    parts.push_back({{"type", "text"}, {"text", m.content}});
    parts.push_back({{"type", "image"}});
    parts.push_back({{"type", "text"}, {"text", " (more)"}});
    out.emplace_back(m.role, parts);
    joined->push_back({m.role, m.content + "\n (more)"});
  }
  return out;
}

TEST(NamedTemplatesTest, MatchLlamaChatApplyTemplateByteForByte) {
  const std::string kBos = "<BOS>";
  const std::vector<Conversation> conversations = AllConversations();
  std::string table =
      "template | conversations | renders (x add_generation_prompt false/true) | equal bytes "
      "(string content) | equal bytes (content parts) | BOS prefix as expected\n";
  for (const NamedTemplate& t : NamedTemplates()) {
    int renders = 0, equal = 0, parts_equal = 0, bos_ok = 0;
    for (const Conversation& c : conversations) {
      for (bool gen : {false, true}) {
        SCOPED_TRACE(std::string(t.name) + " / " + c.name +
                     (gen ? " / add_generation_prompt" : ""));
        ++renders;
        std::string ref, error;
        ASSERT_TRUE(testing::LlamaBuiltinApply(t.name, c.messages, gen, &ref, &error)) << error;

        auto mine = RenderChat(t.source, AsStrings(c.messages), gen, "", "<EOS>");
        ASSERT_TRUE(mine.ok()) << mine.status().ToString();
        EXPECT_EQ(*mine, ref) << "mnemo:     " << Show(*mine) << "\nllama.cpp: " << Show(ref);
        equal += *mine == ref;

        std::vector<RefMessage> joined;
        auto parts = RenderChat(t.source, AsParts(c.messages, &joined), gen, "", "<EOS>");
        ASSERT_TRUE(parts.ok()) << parts.status().ToString();
        std::string joined_ref;
        ASSERT_TRUE(testing::LlamaBuiltinApply(t.name, joined, gen, &joined_ref, &error)) << error;
        EXPECT_EQ(*parts, joined_ref)
            << "mnemo:     " << Show(*parts) << "\nllama.cpp: " << Show(joined_ref);
        parts_equal += *parts == joined_ref;

        auto with_bos = RenderChat(t.source, AsStrings(c.messages), gen, kBos, "<EOS>");
        ASSERT_TRUE(with_bos.ok()) << with_bos.status().ToString();
        const std::string expected = (WritesBos(t.name) ? kBos : "") + ref;
        EXPECT_EQ(*with_bos, expected);
        bos_ok += *with_bos == expected;
      }
    }
    char row[256];
    std::snprintf(row, sizeof row, "%s | %zu | %d | %d/%d | %d/%d | %d/%d\n", t.name,
                  conversations.size(), renders, equal, renders, parts_equal, renders, bos_ok,
                  renders);
    table += row;
  }
  std::printf("%s", table.c_str());
  RecordProperty("comparison_table", table);
}

// Each assistant message is closed by the template's end-of-turn string, so a generation
// stopped there is one assistant message.
TEST(NamedTemplatesTest, EndOfTurnFollowsEachAssistantMessage) {
  const std::vector<RefMessage> conversation = {{"system", "S"},           {"user", "Q1"},
                                                {"assistant", "ANSWER-1"}, {"user", "Q2"},
                                                {"assistant", "ANSWER-2"}, {"user", "Q3"}};
  for (const NamedTemplate& t : NamedTemplates()) {
    SCOPED_TRACE(t.name);
    ASSERT_FALSE(t.end_of_turn.empty());
    for (bool gen : {false, true}) {
      auto out = RenderChat(t.source, AsStrings(conversation), gen, "<BOS>", "<EOS>");
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      for (const char* answer : {"ANSWER-1", "ANSWER-2"}) {
        const size_t at = out->find(answer);
        ASSERT_NE(at, std::string::npos) << Show(*out);
        const std::string after = out->substr(at + std::string(answer).size());
        bool closed = false;
        for (const std::string& eot : t.end_of_turn) closed |= after.rfind(eot, 0) == 0;
        EXPECT_TRUE(closed) << answer << " is followed by " << Show(after.substr(0, 24));
      }
    }
  }
}

// The names are llama.cpp's: every one is in llama_chat_builtin_templates(), and lookup is
// exact.
TEST(NamedTemplatesTest, NamesAreLlamaCppBuiltinNames) {
  std::vector<const char*> names(256);
  const int32_t n = llama_chat_builtin_templates(names.data(), names.size());
  ASSERT_GT(n, 0);
  ASSERT_LE(static_cast<size_t>(n), names.size());
  const std::set<std::string> llama_names(names.begin(), names.begin() + n);
  for (const char* required : {"gemma", "chatml", "llama3", "mistral-v7", "phi3"}) {
    EXPECT_NE(FindNamedTemplate(required), nullptr) << required;
  }
  std::set<std::string> seen;
  for (const NamedTemplate& t : NamedTemplates()) {
    EXPECT_EQ(llama_names.count(t.name), 1u) << t.name << " is not a llama.cpp built-in name";
    EXPECT_TRUE(seen.insert(t.name).second) << "duplicate " << t.name;
    EXPECT_EQ(FindNamedTemplate(t.name), &t);
    EXPECT_NE(std::string(t.description), "");
  }
  EXPECT_EQ(FindNamedTemplate("Gemma"), nullptr);
  EXPECT_EQ(FindNamedTemplate("gemma "), nullptr);
  EXPECT_EQ(FindNamedTemplate("no-such-template"), nullptr);
  EXPECT_EQ(FindNamedTemplate(""), nullptr);
}

}  // namespace
}  // namespace mnemo::chat
