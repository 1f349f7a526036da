// Backend conformance: the same contract checks over every backend built (mock and faulty
// always, llamacpp when its manifest is in MNEMO_BACKEND_DIR), through the host's client
// API. Then the host's exactly-once guard against the faulty plugin's broken completions,
// and the mock's own documented behaviour.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kBackendDir = MNEMO_BACKEND_DIR;

struct BackendCase {
  std::string name;        // plugin name; also the test-name suffix
  std::string model_path;  // empty: the mock's arbitrary path
  double tolerance;        // nats allowed between two computations of one logprob
  bool seed_sensitive;     // different seeds are known to give different samples
  bool batch_invariant;    // a request's output does not depend on its batch companions
};

void PrintTo(const BackendCase& c, std::ostream* os) {
  *os << c.name;
}

double Sum(const std::vector<float>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

Request Score(std::vector<int32_t> context, std::vector<int32_t> continuation) {
  Request r;
  r.kind = MN_REQ_SCORE;
  r.context = std::move(context);
  r.continuation = std::move(continuation);
  return r;
}

Request Rolling(std::vector<int32_t> text, uint32_t window = 0) {
  Request r;
  r.kind = MN_REQ_SCORE_ROLLING;
  r.context = std::move(text);
  r.window = window;
  return r;
}

Request Generate(std::vector<int32_t> prompt, uint32_t max_tokens, bool greedy = true,
                 uint64_t seed = 0) {
  Request r;
  r.kind = MN_REQ_GENERATE;
  r.context = std::move(prompt);
  r.gen.max_tokens = max_tokens;
  r.gen.greedy = greedy;
  r.gen.temperature = 0.9f;
  r.gen.top_p = 0.95f;
  r.gen.seed = seed;
  return r;
}

// Owns one backend -> model -> instance chain.
class Session {
 public:
  // Fails the current test (and leaves instance() NULL) when any step fails.
  void Open(const std::string& plugin, const std::string& model_path,
            const std::string& extra_json = "") {
    registry_.AddSearchDir(kBackendDir);
    Result<const LoadedPlugin*> p = registry_.Load(plugin);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    Result<std::shared_ptr<Backend>> backend = Backend::Init(*p);
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = *backend;
    Result<std::shared_ptr<Model>> model = backend_->OpenModel(model_path, 0, extra_json);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    model_ = *model;
    Result<std::unique_ptr<Instance>> instance = model_->CreateInstance(/*n_threads=*/2);
    ASSERT_TRUE(instance.ok()) << instance.status().ToString();
    instance_ = std::move(instance).value();
  }

  Model& model() { return *model_; }
  Instance* instance() { return instance_.get(); }

  // Runs one execute call; every response must arrive exactly once, with a valid index.
  std::vector<Response> Run(const std::vector<Request>& requests) {
    std::vector<const Request*> ptrs;
    for (const auto& r : requests) ptrs.push_back(&r);
    std::vector<Response> out(requests.size());
    std::vector<int> calls(requests.size(), 0);
    Status s = instance_->Execute(ptrs, [&](size_t i, Response&& r) {
      ASSERT_LT(i, requests.size());
      ++calls[i];
      out[i] = std::move(r);
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (size_t i = 0; i < calls.size(); ++i)
      EXPECT_EQ(calls[i], 1) << "request " << i << " completed " << calls[i] << " times";
    return out;
  }
  Response RunOne(const Request& r) { return Run({r}).at(0); }

  std::vector<int32_t> Tokens(const std::string& text, bool add_special) {
    Result<std::vector<int32_t>> ids = model_->Tokenize(text, add_special);
    EXPECT_TRUE(ids.ok()) << ids.status().ToString();
    return ids.ok() ? ids.value() : std::vector<int32_t>{};
  }

 private:
  PluginRegistry registry_;  // outlives the handles below (declared first)
  std::shared_ptr<Backend> backend_;
  std::shared_ptr<Model> model_;
  std::unique_ptr<Instance> instance_;
};

// ---- The conformance suite ----------------------------------------------------------------

class ConformanceTest : public ::testing::TestWithParam<BackendCase> {
 protected:
  void SetUp() override {
    const BackendCase& c = GetParam();
    if (!std::filesystem::exists(kBackendDir + "/" + c.name + ".backend.json"))
      GTEST_SKIP() << "backend '" << c.name << "' was not built";
    if (!c.model_path.empty() && !std::filesystem::exists(c.model_path))
      GTEST_SKIP() << "model fixture " << c.model_path << " is missing";
    session_.Open(c.name, c.model_path.empty() ? "conformance-model" : c.model_path);
  }

  Model& model() { return session_.model(); }
  double tol() const { return GetParam().tolerance; }

  Session session_;
};

TEST_P(ConformanceTest, MixedBatchCompletesEveryRequestExactlyOnce) {
  const std::vector<int32_t> ctx = session_.Tokens("The capital of France is", true);
  const std::vector<int32_t> paris = session_.Tokens(" Paris", false);
  const std::vector<int32_t> london = session_.Tokens(" London", false);
  const std::vector<int32_t> text =
      session_.Tokens("A rolling text, scored token by token.", false);
  ASSERT_FALSE(ctx.empty() || paris.empty() || london.empty() || text.empty());
  const std::vector<Request> batch = {
      Score(ctx, paris),          Rolling(text),  Generate(ctx, 6), Score(ctx, london),
      Generate(ctx, 6, false, 7), Rolling(paris),
  };
  std::vector<Response> out = session_.Run(batch);
  ASSERT_EQ(out.size(), batch.size());
  for (size_t i = 0; i < out.size(); ++i) ASSERT_TRUE(out[i].ok()) << i << ": " << out[i].error;
  EXPECT_EQ(out[0].tokens, paris);
  EXPECT_EQ(out[1].tokens, text);
  EXPECT_EQ(out[3].tokens, london);
  EXPECT_EQ(out[5].tokens, paris);
  for (size_t i : {2, 4}) {
    EXPECT_LE(out[i].tokens.size(), 6u);
    EXPECT_NE(out[i].finish_reason, static_cast<uint32_t>(MN_FINISH_NONE));
    EXPECT_EQ(out[i].n_prompt_tokens, ctx.size());
  }
}

TEST_P(ConformanceTest, TokenizeDetokenizeRoundTrip) {
  const std::vector<std::string> texts = {
      "Hello, world!",
      "na\xC3\xAFve caf\xC3\xA9, Gr\xC3\xB6\xC3\x9F"  // split: \x9F must not swallow the 'e'
      "e, \xE6\x9D\xB1\xE4\xBA\xAC, \xF0\x9F\x99\x82",
      "  leading, inner   runs\tand\t\ttabs\n\n\nnewlines   ",
      "x",
  };
  const ModelInfo& info = model().info();
  for (const auto& text : texts) {
    std::vector<int32_t> ids = session_.Tokens(text, /*add_special=*/false);
    ASSERT_FALSE(ids.empty()) << text;
    for (int32_t id : ids) EXPECT_TRUE(id >= 0 && id < info.n_vocab) << id;
    Result<std::string> back = model().Detokenize(ids);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back.value(), text);

    std::vector<int32_t> with_bos = session_.Tokens(text, /*add_special=*/true);
    if (info.add_bos && info.bos_token >= 0) {
      ASSERT_EQ(with_bos.size(), ids.size() + 1) << text;
      EXPECT_EQ(with_bos.front(), info.bos_token);
    }
    Result<std::string> stripped = model().Detokenize(with_bos, /*remove_special=*/true);
    ASSERT_TRUE(stripped.ok()) << stripped.status().ToString();
    EXPECT_EQ(stripped.value(), text);
  }
}

TEST_P(ConformanceTest, GreedyGenerationScoresAsGenerated) {
  const std::vector<int32_t> prompt = session_.Tokens("Once upon a time, there was a", true);
  Response gen = session_.RunOne(Generate(prompt, 12));
  ASSERT_TRUE(gen.ok()) << gen.error;
  ASSERT_FALSE(gen.tokens.empty()) << "the greedy generation is empty";
  ASSERT_EQ(gen.token_logprobs.size(), gen.tokens.size());
  EXPECT_NEAR(gen.logprob, Sum(gen.token_logprobs), tol());

  Response score = session_.RunOne(Score(prompt, gen.tokens));
  ASSERT_TRUE(score.ok()) << score.error;
  EXPECT_TRUE(score.is_greedy);
  EXPECT_EQ(score.tokens, gen.tokens);
  ASSERT_EQ(score.token_logprobs.size(), gen.tokens.size());
  EXPECT_NEAR(score.logprob, Sum(gen.token_logprobs), tol());
  EXPECT_NEAR(score.logprob, Sum(score.token_logprobs), tol());
  for (size_t i = 0; i < gen.tokens.size(); ++i) {
    EXPECT_NEAR(score.token_logprobs[i], gen.token_logprobs[i], tol()) << "token " << i;
    EXPECT_LE(score.token_logprobs[i], 1e-6);
  }

  // A continuation that leaves the greedy path is not greedy, and is less likely.
  std::vector<int32_t> off_path = gen.tokens;
  off_path.back() = (off_path.back() + 1) % model().info().n_vocab;
  Response off = session_.RunOne(Score(prompt, off_path));
  ASSERT_TRUE(off.ok()) << off.error;
  EXPECT_FALSE(off.is_greedy);
  EXPECT_LT(off.logprob, score.logprob);
}

TEST_P(ConformanceTest, StopStringCutsTheText) {
  const std::vector<int32_t> prompt = session_.Tokens("Once upon a time, there was a", true);
  Request full = Generate(prompt, 24);
  full.gen.stop_at_eos = false;
  Response all = session_.RunOne(full);
  ASSERT_TRUE(all.ok()) << all.error;
  if (all.text.size() < 4) GTEST_SKIP() << "greedy text too short for a stop string: " << all.text;
  const std::string stop = all.text.substr(all.text.size() / 2, 2);
  const std::string expected = all.text.substr(0, all.text.find(stop));

  Request cut = full;
  cut.gen.stop = {"\x01never matches", stop};
  Response r = session_.RunOne(cut);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.finish_reason, static_cast<uint32_t>(MN_FINISH_STOP));
  EXPECT_EQ(r.text, expected);
  // The stop string's tokens are kept, and they are the greedy ones.
  ASSERT_LE(r.tokens.size(), all.tokens.size());
  EXPECT_EQ(r.tokens,
            std::vector<int32_t>(all.tokens.begin(), all.tokens.begin() + r.tokens.size()));
  Result<std::string> kept = model().Detokenize(r.tokens);
  ASSERT_TRUE(kept.ok());
  EXPECT_THAT(kept.value(), StartsWith(expected + stop));
}

TEST_P(ConformanceTest, SampledGenerationRepeatsWithTheSameSeed) {
  if (!model().Has(MN_CAP_DETERMINISTIC_SEED)) GTEST_SKIP() << "no MN_CAP_DETERMINISTIC_SEED";
  const std::vector<int32_t> prompt = session_.Tokens("Once upon a time, there was a", true);
  Request sampled = Generate(prompt, 16, /*greedy=*/false, /*seed=*/1234);
  sampled.gen.stop_at_eos = false;  // always 16 tokens, so the comparison has substance
  Response first = session_.RunOne(sampled);
  Response second = session_.RunOne(sampled);
  std::vector<Response> batched = session_.Run({sampled, sampled});
  ASSERT_TRUE(first.ok() && second.ok()) << first.error << second.error;
  ASSERT_EQ(first.tokens.size(), 16u);
  EXPECT_EQ(second.tokens, first.tokens);
  EXPECT_EQ(second.text, first.text);
  // Two copies in one batch agree with each other. llama.cpp's logits depend slightly on the
  // batch shape, so only batch-invariant backends must also match the single run.
  EXPECT_EQ(batched[1].tokens, batched[0].tokens);
  if (GetParam().batch_invariant) {
    EXPECT_EQ(batched[0].tokens, first.tokens);
  }
  if (GetParam().seed_sensitive) {
    Request other = sampled;
    other.gen.seed = 4321;
    EXPECT_NE(session_.RunOne(other).tokens, first.tokens);
  }
}

TEST_P(ConformanceTest, RollingScoreCoversEveryTokenOnce) {
  const std::vector<int32_t> text =
      session_.Tokens("It was the best of times, it was the worst of times.", false);
  ASSERT_GT(text.size(), 8u);
  Response r = session_.RunOne(Rolling(text));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.tokens, text);
  ASSERT_EQ(r.token_logprobs.size(), text.size());
  EXPECT_NEAR(r.logprob, Sum(r.token_logprobs), tol());
  EXPECT_LT(r.logprob, 0.0);
  for (float lp : r.token_logprobs) EXPECT_LE(lp, 1e-6);

  // prefix_token -1 means BOS: the same as scoring the text after BOS.
  const int32_t bos = model().info().bos_token;
  if (bos >= 0) {
    Response s = session_.RunOne(Score({bos}, text));
    ASSERT_TRUE(s.ok()) << s.error;
    EXPECT_NEAR(r.logprob, s.logprob, tol() * text.size());
  }
  // Small windows still score every token exactly once.
  Response windowed = session_.RunOne(Rolling(text, 4));
  ASSERT_TRUE(windowed.ok()) << windowed.error;
  EXPECT_EQ(windowed.tokens, text);
  EXPECT_EQ(windowed.token_logprobs.size(), text.size());
  EXPECT_NEAR(windowed.logprob, Sum(windowed.token_logprobs), tol());
}

INSTANTIATE_TEST_SUITE_P(
    Backends, ConformanceTest,
    ::testing::Values(BackendCase{"mock", "", 1e-3, true, true},
                      BackendCase{"faulty", "", 1e-3, true, true},
                      BackendCase{"llamacpp",
                                  std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-final.gguf", 0.02,
                                  false, false}),
    [](const ::testing::TestParamInfo<BackendCase>& info) { return info.param.name; });

// ---- The host's guard against a plugin that breaks the rules ------------------------------

std::vector<Request> ScoreBatch(size_t n) {
  std::vector<Request> batch;
  for (size_t i = 0; i < n; ++i)
    batch.push_back(Score({2, 'a' + 3}, {static_cast<int32_t>('b' + 3 + i)}));
  return batch;
}

TEST(HostGuardTest, UncompletedRequestGetsSyntheticInternalError) {
  Session s;
  ASSERT_NO_FATAL_FAILURE(s.Open("faulty", "guard", R"({"skip_completion_every": 2})"));
  std::vector<Response> out = s.Run(ScoreBatch(4));  // exactly once, checked by Run
  for (size_t i : {0, 2}) EXPECT_TRUE(out[i].ok()) << out[i].error;
  for (size_t i : {1, 3}) {
    EXPECT_EQ(out[i].status, MN_ERR_INTERNAL);
    EXPECT_FALSE(out[i].retryable);
    EXPECT_THAT(out[i].error, HasSubstr("without completing"));
  }
}

TEST(HostGuardTest, DoubleCompletionIsDeliveredOnce) {
  Session s;
  ASSERT_NO_FATAL_FAILURE(s.Open("faulty", "guard", R"({"double_complete": true})"));
  std::vector<Response> out = s.Run(ScoreBatch(3));  // exactly once, checked by Run
  for (const auto& r : out) {
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.tokens.size(), 1u);
    EXPECT_LT(r.logprob, 0.0);
  }
}

TEST(HostGuardTest, RetryableFlagIsPropagated) {
  Session s;
  ASSERT_NO_FATAL_FAILURE(
      s.Open("faulty", "guard", R"({"error_every": 2, "error_code": 4, "retryable": true})"));
  std::vector<Response> out = s.Run(ScoreBatch(3));
  EXPECT_TRUE(out[0].ok());
  EXPECT_FALSE(out[0].retryable);
  EXPECT_EQ(out[1].status, MN_ERR_UNAVAILABLE);
  EXPECT_TRUE(out[1].retryable);
  EXPECT_THAT(out[1].error, HasSubstr("error_every"));
  EXPECT_TRUE(out[2].ok());
  // Requests are numbered across execute calls: the 4th request overall fails.
  std::vector<Response> next = s.Run(ScoreBatch(1));
  EXPECT_EQ(next[0].status, MN_ERR_UNAVAILABLE);
  EXPECT_TRUE(next[0].retryable);
}

TEST(HostGuardTest, FatalInjectedErrorIsNotRetryable) {
  Session s;
  ASSERT_NO_FATAL_FAILURE(
      s.Open("faulty", "guard", R"({"error_every": 1, "error_code": 8, "retryable": false})"));
  for (const auto& r : s.Run(ScoreBatch(2))) {
    EXPECT_EQ(r.status, MN_ERR_INTERNAL);
    EXPECT_FALSE(r.retryable);
  }
}

TEST(HostGuardTest, DelayIsAppliedPerRequest) {
  Session s;
  ASSERT_NO_FATAL_FAILURE(s.Open("faulty", "guard", R"({"delay_ms": 20})"));
  auto start = std::chrono::steady_clock::now();
  for (const auto& r : s.Run(ScoreBatch(3))) EXPECT_TRUE(r.ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(60));
}

TEST(HostGuardTest, BadKnobFailsModelOpenNamingIt) {
  PluginRegistry registry;
  registry.AddSearchDir(kBackendDir);
  Result<const LoadedPlugin*> p = registry.Load("faulty");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Result<std::shared_ptr<Backend>> backend = Backend::Init(*p);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Result<std::shared_ptr<Model>> model =
      (*backend)->OpenModel("guard", 0, R"({"error_every": "often"})");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(), HasSubstr("error_every"));
}

TEST(HostGuardDeathTest, CrashAfterAbortsTheProcess) {
  Session s;
  ASSERT_NO_FATAL_FAILURE(s.Open("faulty", "guard", R"({"crash_after": 2})"));
  // Exactly K requests complete; the next one aborts.
  std::vector<Response> out = s.Run(ScoreBatch(2));
  EXPECT_TRUE(out[0].ok() && out[1].ok());
  EXPECT_DEATH(s.Run(ScoreBatch(1)), "");
}

TEST(HostGuardTest, FaultyWithoutKnobsMatchesMock) {
  Session mock, faulty;
  ASSERT_NO_FATAL_FAILURE(mock.Open("mock", "same-path"));
  ASSERT_NO_FATAL_FAILURE(faulty.Open("faulty", "same-path"));
  EXPECT_EQ(mock.model().info().fingerprint, faulty.model().info().fingerprint);
  std::vector<Request> batch = ScoreBatch(2);
  batch.push_back(Generate({2, 'a' + 3}, 8));
  std::vector<Response> a = mock.Run(batch), b = faulty.Run(batch);
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens);
    EXPECT_EQ(a[i].logprob, b[i].logprob);
    EXPECT_EQ(a[i].text, b[i].text);
  }
}

// ---- The mock's documented model ----------------------------------------------------------

class MockTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(s_.Open("mock", "mock-model")); }
  Session s_;
};

TEST_F(MockTest, LogprobsFollowTheDocumentedFormula) {
  // After 'a' (id 100), printable byte k has logit -((31 k + 17*100) mod 263)/10, <eos> -3,
  // every other token -30.
  const int32_t prev = 'a' + 3;
  auto logit = [&](int32_t k) {
    if (k == 1) return -3.0;
    if (k < ' ' + 3 || k > '~' + 3) return -30.0;
    return -((31 * k + 17 * prev) % 263) / 10.0;
  };
  double z = 0.0;
  for (int32_t k = 0; k < 259; ++k) z += std::exp(logit(k));
  const int32_t next = 'b' + 3;
  Response r = s_.RunOne(Score({2, prev}, {next}));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_NEAR(r.logprob, logit(next) - std::log(z), 1e-9);
  EXPECT_FALSE(r.is_greedy);
  EXPECT_EQ(r.n_prompt_tokens, 2u);
}

TEST_F(MockTest, GreedyTextIsPrintableAndEndsAfterAPeriod) {
  // Documented chains: after "e" -> "* ." then <eos>; after "a" -> ",Z0%+t;" repeating.
  Response eos = s_.RunOne(Generate(s_.Tokens("e", true), 20));
  ASSERT_TRUE(eos.ok()) << eos.error;
  EXPECT_EQ(eos.text, "* .");
  EXPECT_EQ(eos.finish_reason, static_cast<uint32_t>(MN_FINISH_EOS));
  EXPECT_EQ(eos.tokens.size(), 3u);  // <eos> excluded

  Response length = s_.RunOne(Generate(s_.Tokens("a", true), 10));
  ASSERT_TRUE(length.ok()) << length.error;
  EXPECT_EQ(length.text, ",Z0%+t;0%+");
  EXPECT_EQ(length.finish_reason, static_cast<uint32_t>(MN_FINISH_LENGTH));

  Request stopped = Generate(s_.Tokens("a", true), 10);
  stopped.gen.stop = {"t;"};
  Response stop = s_.RunOne(stopped);
  ASSERT_TRUE(stop.ok()) << stop.error;
  EXPECT_EQ(stop.text, ",Z0%+");
  EXPECT_EQ(stop.tokens.size(), 7u);  // the stop string's tokens are kept
  EXPECT_EQ(stop.finish_reason, static_cast<uint32_t>(MN_FINISH_STOP));

  // Without stop_at_eos, <eos> is an ordinary token and generation goes on.
  Request through = Generate(s_.Tokens("e", true), 5);
  through.gen.stop_at_eos = false;
  Response cont = s_.RunOne(through);
  ASSERT_TRUE(cont.ok()) << cont.error;
  EXPECT_EQ(cont.tokens.size(), 5u);
  EXPECT_EQ(cont.tokens[3], 1);
  EXPECT_EQ(cont.finish_reason, static_cast<uint32_t>(MN_FINISH_LENGTH));
}

TEST_F(MockTest, TextPromptIsTokenizedWithBos) {
  Request text_prompt = Generate({}, 10);
  text_prompt.prompt_text = "a";
  Response r = s_.RunOne(text_prompt);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.text, ",Z0%+t;0%+");
  EXPECT_EQ(r.n_prompt_tokens, 2u);
}

TEST_F(MockTest, InvalidRequestsFailAloneWithoutRejectingTheBatch) {
  std::vector<Response> out = s_.Run({
      Score({}, {5}),                              // empty context
      Score({2, 500}, {5}),                        // token outside the vocabulary
      Score(std::vector<int32_t>(2049, 70), {5}),  // beyond 2048 + the last, uninput token
      Score({2}, {5}),                             // fine
  });
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].status, MN_ERR_INVALID_ARGUMENT) << i;
    EXPECT_THAT(out[i].error, StartsWith("mock: ")) << i;
  }
  EXPECT_THAT(out[1].error, HasSubstr("500"));
  EXPECT_THAT(out[2].error, HasSubstr("2048"));
  EXPECT_TRUE(out[3].ok()) << out[3].error;
}

TEST_F(MockTest, SamplingTemperatureSharpensTheDistribution) {
  // At a tiny temperature sampling is the argmax; at 1 it is not always.
  const std::vector<int32_t> prompt = s_.Tokens("a", true);
  Request cold = Generate(prompt, 10, /*greedy=*/false, /*seed=*/99);
  cold.gen.temperature = 1e-3f;
  cold.gen.top_p = 1.0f;
  EXPECT_EQ(s_.RunOne(cold).text, ",Z0%+t;0%+");
  Request warm = cold;
  warm.gen.temperature = 1.0f;
  EXPECT_NE(s_.RunOne(warm).text, ",Z0%+t;0%+");
}

}  // namespace
}  // namespace mnemo
