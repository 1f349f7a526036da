// Shared pieces of the openai backend tests: a llama-server per test suite, the in-process
// llama.cpp backend as the reference, prompts and comparisons.
#ifndef MNEMO_TESTS_BACKENDS_OPENAI_OPENAI_TEST_UTIL_H_
#define MNEMO_TESTS_BACKENDS_OPENAI_OPENAI_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/plugins/backend_client.h"
#include "harness/scheduler/scheduler.h"
#include "tests/backends/openai/llama_server.h"
#include "tests/support/backend_fixture.h"

namespace mnemo::testing_util {

inline std::string FixtureModel() {
  return std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-final.gguf";
}

// Two slots of 2048 tokens each (the model's training context, as the in-process backend
// uses), one compute thread.
inline std::vector<std::string> ServerArgs() {
  return {"-c", "4096", "-np", "2", "-t", "1", "--no-webui"};
}

// A test suite with one llama-server for all its tests, started in SetUpTestSuite and always
// stopped in TearDownTestSuite (and by the LlamaServer destructor / death signal otherwise).
class ServerSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new LlamaServer(FixtureModel(), ServerArgs());
    if (!server_->Start()) {
      delete server_;
      server_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "llama-server (" MNEMO_LLAMA_SERVER ") did not start";
  }
  static OpenedBackend OpenServer(const std::string& urls, const std::string& extra_json = "") {
    return OpenTestBackend("openai", urls, 1, extra_json);
  }
  static OpenedBackend OpenLocal() { return OpenTestBackend("llamacpp", FixtureModel(), 1); }

  static inline LlamaServer* server_ = nullptr;
};

inline const std::vector<std::string>& Prompts() {
  static const std::vector<std::string> p = {"The capital of France is", "Once upon a time",
                                             "def fibonacci(n):", "The quick brown fox",
                                             "In 1492, Columbus"};
  return p;
}

inline Request Generate(const Model& model, const std::string& prompt, uint32_t max_tokens) {
  Request r;
  r.kind = MN_REQ_GENERATE;
  r.context = model.Tokenize(prompt, /*add_special=*/true).value();
  r.gen.max_tokens = max_tokens;
  r.gen.greedy = true;
  return r;
}

// Every request through one execute call on `instance`.
inline std::vector<Response> ExecuteAll(Instance& instance, const std::vector<Request>& reqs) {
  std::vector<const Request*> ptrs;
  for (const auto& r : reqs) ptrs.push_back(&r);
  std::vector<Response> out(reqs.size());
  Status st = instance.Execute(ptrs, [&](size_t i, Response&& r) { out[i] = std::move(r); });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

inline SchedulerOptions QuietScheduler(int max_attempts = 1) {
  SchedulerOptions o;
  o.show_progress = false;
  o.max_attempts = max_attempts;
  o.backoff_ms = 10;
  return o;
}

// Greedy outputs must agree token for token; log-probabilities to float noise.
inline void ExpectSameGeneration(const Response& got, const Response& want,
                                 const std::string& what) {
  ASSERT_TRUE(got.ok()) << what << ": " << got.error;
  ASSERT_TRUE(want.ok()) << what << ": " << want.error;
  EXPECT_EQ(got.tokens, want.tokens) << what;
  EXPECT_EQ(got.text, want.text) << what;
  EXPECT_EQ(got.finish_reason, want.finish_reason) << what;
  ASSERT_EQ(got.token_logprobs.size(), want.token_logprobs.size()) << what;
  for (size_t i = 0; i < got.token_logprobs.size(); ++i)
    EXPECT_NEAR(got.token_logprobs[i], want.token_logprobs[i], 2e-2) << what << " token " << i;
}

}  // namespace mnemo::testing_util

#endif  // MNEMO_TESTS_BACKENDS_OPENAI_OPENAI_TEST_UTIL_H_
