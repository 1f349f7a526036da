// Chat mode of the openai backend with conversations (mn_request.messages_json, ABI 1.3) against
// a real llama-server. The independent truth is the same server asked directly: POST
// /apply-template renders the messages to a prompt, and a greedy POST /v1/completions continues
// that prompt; a chat request through mnemo must give the same text. The description's
// chat_template is what GET /props reports.
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/backends/openai/openai_test_util.h"

namespace mnemo::testing_util {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One plain HTTP exchange with the test's server (GET when `body` is empty); null on failure.
json Http(int port, const std::string& path, const std::string& body = "") {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return json();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  std::string answer;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  if (!body.empty()) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK || code != 200) {
    ADD_FAILURE() << path << ": curl " << rc << ", HTTP " << code << ": " << answer;
    return json();
  }
  return json::parse(answer, nullptr, false);
}

// What the server generates for `messages` when asked directly: its rendered prompt, then a
// greedy completion of it.
std::string ServerTruth(int port, const json& messages, uint32_t max_tokens) {
  json rendered = Http(port, "/apply-template", json{{"messages", messages}}.dump());
  if (!rendered.is_object() || !rendered["prompt"].is_string()) {
    ADD_FAILURE() << "/apply-template: " << rendered.dump();
    return "";
  }
  json done = Http(port, "/v1/completions",
                   json{{"prompt", rendered["prompt"]},
                        {"max_tokens", max_tokens},
                        {"temperature", 0},
                        {"top_k", 1}}
                       .dump());
  if (!done.is_object() || !done["choices"].is_array() || done["choices"].empty()) {
    ADD_FAILURE() << "/v1/completions: " << done.dump();
    return "";
  }
  return done["choices"][0]["text"].get<std::string>();
}

Request Chat(const json& messages, uint32_t max_tokens) {
  Request r;
  r.kind = MN_REQ_GENERATE;
  r.messages_json = messages.dump();
  r.gen.max_tokens = max_tokens;
  r.gen.greedy = true;
  return r;
}

constexpr const char* kChat = R"({"chat": true})";

// Every request is computed from its whole prompt in one batch: no prompt cache (a prefix
// reused from an earlier request) and no context checkpoints (which make a chat request process
// its prompt in pieces, split at the generation prompt). Otherwise the chat request and the
// direct completion of its rendered prompt run differently batched computations, and the tiny
// model's greedy choice can turn on that rounding.
class OpenaiChatTest : public ServerSuite {
 protected:
  static void SetUpTestSuite() {
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), {"--no-cache-prompt", "--ctx-checkpoints", "0"});
    server_ = new LlamaServer(FixtureModel(), args);
    if (!server_->Start()) {
      delete server_;
      server_ = nullptr;
    }
  }
};

TEST_F(OpenaiChatTest, DescriptionStatesTheServersChatTemplate) {
  json props = Http(server_->port(), "/props");
  ASSERT_TRUE(props.is_object() && props["chat_template"].is_string()) << props.dump();
  const std::string want = props["chat_template"].get<std::string>();
  // The fixture has no template of its own; llama-server reports the one it falls back to.
  ASSERT_FALSE(want.empty());
  for (const char* extra : {"", kChat}) {
    OpenedBackend b = OpenServer(server_->base_url(), extra);
    ASSERT_TRUE(b.model) << extra;
    EXPECT_EQ(b.model->info().chat_template, want) << extra;
    EXPECT_EQ(b.model->info().chat_templates_json, "");
    EXPECT_EQ(b.model->Has(MN_CAP_CHAT_TEMPLATE), std::string(extra) == kChat);
  }
}

TEST_F(OpenaiChatTest, ConversationIsRenderedByTheServer) {
  OpenedBackend b = OpenServer(server_->base_url(), kChat);
  ASSERT_TRUE(b.instance);
  const json messages =
      json::array({{{"role", "system"}, {"content", "You answer in one short sentence."}},
                   {{"role", "user"}, {"content", "The capital of France is"}}});
  const std::string want = ServerTruth(server_->port(), messages, 16);
  ASSERT_FALSE(want.empty());
  std::vector<Response> got = ExecuteAll(*b.instance, {Chat(messages, 16)});
  ASSERT_TRUE(got[0].ok()) << got[0].error;
  EXPECT_EQ(got[0].text, want);
  EXPECT_EQ(got[0].tokens.size(), 16u);
  EXPECT_EQ(got[0].finish_reason, MN_FINISH_LENGTH);
  // Not the same as the prompt-only path: the system message reached the template.
  const json user_only = json::array({messages[1]});
  std::vector<Response> plain = ExecuteAll(*b.instance, {Chat(user_only, 16)});
  ASSERT_TRUE(plain[0].ok()) << plain[0].error;
  EXPECT_EQ(plain[0].text, ServerTruth(server_->port(), user_only, 16));
}

TEST_F(OpenaiChatTest, FinalAssistantMessageIsContinued) {
  OpenedBackend b = OpenServer(server_->base_url(), kChat);
  ASSERT_TRUE(b.instance);
  const std::string prefill = "Once upon a time";
  const json messages = json::array({{{"role", "user"}, {"content", "Tell me a story."}},
                                     {{"role", "assistant"}, {"content", prefill}}});
  // The rendered prompt ends in the open assistant message (no end-of-turn after it).
  json rendered = Http(server_->port(), "/apply-template", json{{"messages", messages}}.dump());
  ASSERT_TRUE(rendered.is_object()) << rendered.dump();
  const std::string prompt = rendered["prompt"].get<std::string>();
  ASSERT_GE(prompt.size(), prefill.size());
  EXPECT_EQ(prompt.substr(prompt.size() - prefill.size()), prefill);

  const std::string want = ServerTruth(server_->port(), messages, 16);
  ASSERT_FALSE(want.empty());
  std::vector<Response> got = ExecuteAll(*b.instance, {Chat(messages, 16)});
  ASSERT_TRUE(got[0].ok()) << got[0].error;
  EXPECT_EQ(got[0].text, want);  // the continuation alone, without the prefill
}

TEST_F(OpenaiChatTest, ConversationWithoutChatModeIsRefused) {
  OpenedBackend b = OpenServer(server_->base_url());
  ASSERT_TRUE(b.instance);
  const json messages = json::array({{{"role", "user"}, {"content", "Hello"}}});
  std::vector<Response> got = ExecuteAll(*b.instance, {Chat(messages, 4)});
  EXPECT_EQ(got[0].status, MN_ERR_UNSUPPORTED);
  EXPECT_THAT(got[0].error, HasSubstr("chat mode is off"));
  EXPECT_THAT(got[0].error, HasSubstr(R"("chat": true)"));
}

TEST_F(OpenaiChatTest, MalformedConversationFailsThatRequestOnly) {
  OpenedBackend b = OpenServer(server_->base_url(), kChat);
  ASSERT_TRUE(b.instance);
  Request bad = Chat(json::array(), 4);
  bad.messages_json = R"([{"role": "user", "content": "unterminated)";
  Request no_role = Chat(json::array({{{"content", "Hello"}}}), 4);
  Request good = Chat(json::array({{{"role", "user"}, {"content", "Hello"}}}), 4);
  std::vector<Response> got = ExecuteAll(*b.instance, {bad, no_role, good});
  EXPECT_EQ(got[0].status, MN_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(got[0].error, HasSubstr("messages_json"));
  EXPECT_EQ(got[1].status, MN_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(got[1].error, HasSubstr("messages_json"));
  EXPECT_TRUE(got[2].ok()) << got[2].error;
}

}  // namespace
}  // namespace mnemo::testing_util
