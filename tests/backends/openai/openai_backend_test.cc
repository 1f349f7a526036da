// The openai plugin against a real llama-server serving tiny-gemma3-final.gguf, compared with
// the in-process llama.cpp plugin on the same prompts: tokenization, greedy generation (plain,
// stop strings, end-of-generation, ignore_eos), model description, refusal of scoring, several
// base URLs, API-key handling.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/backends/openai/fault_proxy.h"
#include "tests/backends/openai/openai_test_util.h"

namespace mnemo {
namespace {

using testing_util::ExecuteAll;
using testing_util::ExpectSameGeneration;
using testing_util::FaultProxy;
using testing_util::Generate;
using testing_util::Prompts;

class OpenAiBackendTest : public testing_util::ServerSuite {};

TEST_F(OpenAiBackendTest, DescribesTheServedModel) {
  auto remote = OpenServer(server_->base_url());
  auto local = OpenLocal();
  ASSERT_TRUE(remote.model && local.model);
  const ModelInfo& r = remote.model->info();
  const ModelInfo& l = local.model->info();
  EXPECT_EQ(r.fingerprint.rfind("openai:", 0), 0u) << r.fingerprint;
  EXPECT_NE(r.fingerprint.find("tiny-gemma3-final.gguf"), std::string::npos) << r.fingerprint;
  EXPECT_NE(r.fingerprint.find("build="), std::string::npos) << r.fingerprint;
  EXPECT_EQ(r.n_vocab, l.n_vocab);
  EXPECT_EQ(r.n_ctx, l.n_ctx);
  EXPECT_EQ(r.bos_token, l.bos_token);
  EXPECT_EQ(r.eos_token, l.eos_token);
  EXPECT_EQ(r.add_bos, l.add_bos);
  EXPECT_TRUE(remote.model->Has(MN_CAP_GENERATE | MN_CAP_TOKENIZE | MN_CAP_TOKEN_LOGPROBS));
  // llama-server does not echo prompt log-probabilities: scoring is refused up front.
  EXPECT_FALSE(remote.model->Has(MN_CAP_SCORE));
  EXPECT_FALSE(remote.model->Has(MN_CAP_SCORE_ROLLING));
}

TEST_F(OpenAiBackendTest, ScoreRequestsFailWithAClearMessage) {
  auto remote = OpenServer(server_->base_url());
  ASSERT_TRUE(remote.instance);
  Request r;
  r.kind = MN_REQ_SCORE;
  r.context = remote.model->Tokenize("The capital of France is", true).value();
  r.continuation = remote.model->Tokenize(" Paris", false).value();
  auto out = ExecuteAll(*remote.instance, {r});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, MN_ERR_UNSUPPORTED);
  EXPECT_NE(out[0].error.find("prompt log-probabilities"), std::string::npos) << out[0].error;
}

TEST_F(OpenAiBackendTest, TokenizationEqualsInProcess) {
  auto remote = OpenServer(server_->base_url());
  auto local = OpenLocal();
  ASSERT_TRUE(remote.model && local.model);
  std::vector<std::string> texts = Prompts();
  texts.push_back("  leading spaces,\ttabs\nand newlines — ünïcödé 東京 123456");
  texts.push_back("");
  for (const auto& t : texts) {
    for (bool special : {false, true}) {
      auto a = remote.model->Tokenize(t, special);
      auto b = local.model->Tokenize(t, special);
      ASSERT_TRUE(a.ok() && b.ok()) << t;
      EXPECT_EQ(*a, *b) << "'" << t << "' add_special=" << special;
      auto da = remote.model->Detokenize(*a);
      auto db = local.model->Detokenize(*b);
      ASSERT_TRUE(da.ok() && db.ok()) << t;
      EXPECT_EQ(*da, *db) << t;
    }
  }
}

TEST_F(OpenAiBackendTest, LocalSentencePieceTokenizerEqualsTheServers) {
  auto server = OpenServer(server_->base_url());
  auto local_sp =
      OpenServer(server_->base_url(), R"({"tokenize": "local", "tokenizer": ")" MNEMO_FIXTURES_DIR
                                      R"(/tokenizer.model"})");
  ASSERT_TRUE(server.model && local_sp.model);
  for (const auto& t : Prompts()) {
    EXPECT_EQ(local_sp.model->Tokenize(t, true).value(), server.model->Tokenize(t, true).value())
        << t;
    EXPECT_EQ(local_sp.model->Tokenize(t, false).value(), server.model->Tokenize(t, false).value())
        << t;
  }
}

TEST_F(OpenAiBackendTest, GreedyGenerationEqualsInProcess) {
  auto remote = OpenServer(server_->base_url(), R"({"concurrency": 2})");
  auto local = OpenLocal();
  ASSERT_TRUE(remote.instance && local.instance);
  std::vector<Request> reqs;
  for (const auto& p : Prompts()) reqs.push_back(Generate(*local.model, p, 16));
  // A prompt that ends on an end-of-generation token within 64 tokens.
  Request eos;
  eos.kind = MN_REQ_GENERATE;
  eos.context = {2, 100, 200};
  eos.gen.max_tokens = 64;
  reqs.push_back(eos);
  // The same with ignore_eos: exactly max_tokens come back.
  Request no_eos = eos;
  no_eos.gen.stop_at_eos = false;
  no_eos.gen.max_tokens = 32;
  reqs.push_back(no_eos);
  auto ref = ExecuteAll(*local.instance, reqs);
  ASSERT_EQ(ref[5].finish_reason, MN_FINISH_EOS) << "fixture prompt no longer ends with EOS";
  // Stop strings taken from the middle of the reference outputs, so they fire.
  const size_t n_plain = reqs.size();
  for (size_t i = 0; i < Prompts().size() && reqs.size() < n_plain + 3; ++i) {
    ASSERT_TRUE(ref[i].ok()) << ref[i].error;
    if (ref[i].text.size() < 8) continue;
    Request s = reqs[i];
    s.gen.stop = {ref[i].text.substr(ref[i].text.size() / 2, 3), "never-appears"};
    reqs.push_back(s);
  }
  ASSERT_EQ(reqs.size(), n_plain + 3) << "too few long reference outputs for stop strings";
  ref = ExecuteAll(*local.instance, reqs);
  auto got = ExecuteAll(*remote.instance, reqs);
  ASSERT_EQ(got.size(), reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i)
    ExpectSameGeneration(got[i], ref[i], "request " + std::to_string(i));
  for (size_t i = reqs.size() - 3; i < reqs.size(); ++i)
    EXPECT_EQ(got[i].finish_reason, MN_FINISH_STOP);
  EXPECT_EQ(got[6].tokens.size(), 32u);
}

TEST_F(OpenAiBackendTest, SeveralBaseUrlsShareTheWork) {
  FaultProxy a(server_->port()), b(server_->port());
  auto remote = OpenServer(a.base_url() + "," + b.base_url(), R"({"concurrency": 2})");
  auto local = OpenLocal();
  ASSERT_TRUE(remote.instance && local.instance);
  std::vector<Request> reqs;
  for (int k = 0; k < 2; ++k)
    for (const auto& p : Prompts()) reqs.push_back(Generate(*local.model, p, 4));
  auto ref = ExecuteAll(*local.instance, reqs);
  auto got = ExecuteAll(*remote.instance, reqs);
  for (size_t i = 0; i < reqs.size(); ++i) ExpectSameGeneration(got[i], ref[i], std::to_string(i));
  EXPECT_GE(a.watched(), 3);
  EXPECT_GE(b.watched(), 3);
}

TEST_F(OpenAiBackendTest, ADeadBaseUrlIsTakenOutAndTheRunCompletes) {
  const int dead = testing_util::FreePort();
  auto remote =
      OpenServer("http://127.0.0.1:" + std::to_string(dead) + "/v1," + server_->base_url(),
                 R"({"concurrency": 2, "retries": 3, "backoff_ms": 10, "down_ms": 5000})");
  auto local = OpenLocal();
  ASSERT_TRUE(remote.instance && local.instance);
  std::vector<Request> reqs;
  for (const auto& p : Prompts()) reqs.push_back(Generate(*local.model, p, 4));
  auto ref = ExecuteAll(*local.instance, reqs);
  auto got = ExecuteAll(*remote.instance, reqs);
  for (size_t i = 0; i < reqs.size(); ++i) ExpectSameGeneration(got[i], ref[i], std::to_string(i));
}

TEST_F(OpenAiBackendTest, ApiKeyComesFromTheEnvironmentAndIsNeverShown) {
  {
    // An unset variable is an error naming the variable.
    ::unsetenv("MNEMO_TEST_UNSET_KEY");
    PluginRegistry reg;
    reg.AddSearchDir(MNEMO_BACKEND_DIR);
    auto plugin = reg.Load("openai");
    ASSERT_TRUE(plugin.ok());
    auto backend = Backend::Init(plugin.value());
    ASSERT_TRUE(backend.ok());
    auto m =
        (*backend)->OpenModel(server_->base_url(), 0, R"({"api_key_env": "MNEMO_TEST_UNSET_KEY"})");
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("MNEMO_TEST_UNSET_KEY"), std::string::npos);
  }
  // A set key is sent but appears in no fingerprint and no error message.
  ::setenv("MNEMO_TEST_KEY", "sekrit-key-123", 1);
  FaultProxy proxy(server_->port());
  auto remote = OpenServer(proxy.base_url(),
                           R"({"api_key_env": "MNEMO_TEST_KEY", "retries": 1, "backoff_ms": 1})");
  ASSERT_TRUE(remote.instance);
  EXPECT_EQ(remote.model->info().fingerprint.find("sekrit"), std::string::npos);
  proxy.SetAlways(testing_util::Fault::k503);
  Request r = Generate(*remote.model, "Hello", 2);
  auto out = ExecuteAll(*remote.instance, {r});
  ASSERT_FALSE(out[0].ok());
  EXPECT_EQ(out[0].error.find("sekrit"), std::string::npos) << out[0].error;
}

}  // namespace
}  // namespace mnemo
