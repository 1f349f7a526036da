// Throughput of the llamacpp backend on this machine (printed, not asserted beyond sanity):
// batched scoring, rolling log-likelihood and batched / single-sequence generation on the
// tiny-gemma3 fixture, in the default (batch-invariant) mode. Set MNEMO_BENCH_SWEEP=1 to also
// compare batch sizes, attention kernels and the non-invariant mode (the measurements behind
// the defaults in decoder.cc; `mnemo bench deterministic` compares the two modes alone). Each
// figure is the best of three runs, so other load on a shared machine disturbs it less. Labelled
// `bench`: run it with `ctest -L bench` or directly.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "llamacpp_test_util.h"

namespace mnemo::llamacpp_test {
namespace {

struct Corpus {
  std::vector<std::vector<int32_t>> docs;  // tokenized training documents, BOS first
};

Corpus LoadCorpus(Session& s, size_t n_docs) {
  Corpus c;
  std::ifstream in(FixturePath("train.jsonl"));
  std::string line;
  while (c.docs.size() < n_docs && std::getline(in, line)) {
    std::vector<int32_t> ids =
        s.Tokenize(nlohmann::json::parse(line)["text"].get<std::string>(), true);
    if (ids.size() >= 340) c.docs.push_back(std::move(ids));
  }
  return c;
}

// `reps` runs of each workload; the fastest counts.
void Measure(const std::string& label, const std::string& extra_json, int reps) {
  Session s;
  ASSERT_EQ(s.Open(ModelPath(), 0, 0, extra_json), "");
  Corpus corpus = LoadCorpus(s, 64);
  ASSERT_EQ(corpus.docs.size(), 64u);

  // Scoring: 64 requests of 320 context + 20 continuation tokens (lm-eval style).
  std::vector<Request> score;
  size_t score_tokens = 0;
  for (const auto& d : corpus.docs) {
    score.push_back(ScoreRequest({d.begin(), d.begin() + 320}, {d.begin() + 320, d.begin() + 340}));
    score_tokens += 339;
  }
  s.Run({score[0]});  // warm-up
  auto best_of = [&](const std::vector<Request>& reqs) {
    double best = 1e30;
    for (int rep = 0; rep < reps; ++rep) {
      double t = 0;
      for (const Response& r : s.Run(reqs, &t)) EXPECT_TRUE(r.ok()) << r.error;
      best = std::min(best, t);
    }
    return best;
  };
  const double t_score = best_of(score);

  // Multiple choice: 16 contexts of 320 tokens, 4 one-token choices each (MMLU-like); the
  // choices of a question share one pass over the context.
  std::vector<Request> mc;
  for (size_t i = 0; i < 16; ++i) {
    const auto& d = corpus.docs[i];
    for (size_t c = 0; c < 4; ++c) {
      mc.push_back(ScoreRequest({d.begin(), d.begin() + 320}, {d[320 + c]}));
    }
  }
  const double t_mc = best_of(mc);

  // Rolling: 16 documents, at most 1024 tokens each, in 512-token windows.
  std::vector<Request> rolling;
  size_t roll_tokens = 0;
  for (size_t i = 0; i < 16; ++i) {
    const auto& d = corpus.docs[i];
    const size_t n = std::min<size_t>(d.size(), 1025);
    rolling.push_back(RollingRequest({d.begin() + 1, d.begin() + n}, 512));
    roll_tokens += n - 1;
  }
  const double t_roll = best_of(rolling);

  // Generation: 32 prompts of 64 tokens, 64 new tokens each, in one call; then one alone.
  std::vector<Request> gen;
  for (size_t i = 0; i < 32; ++i) {
    gen.push_back(GreedyRequest({corpus.docs[i].begin(), corpus.docs[i].begin() + 64}, 64));
  }
  const double t_gen = best_of(gen);
  const size_t gen_tokens = 32 * 64;
  const double t_one = best_of({GreedyRequest(gen[0].context, 128)});

  std::printf(
      "%-34s score %6.0f tok/s | MC %5.1f req/s | rolling %6.0f tok/s | "
      "generate x32 %5.0f tok/s | x1 %4.0f tok/s\n",
      label.c_str(), score_tokens / t_score, mc.size() / t_mc, roll_tokens / t_roll,
      gen_tokens / t_gen, 128 / t_one);
  std::fflush(stdout);
  EXPECT_GT(score_tokens / t_score, 0.0);
}

TEST(ThroughputTest, Default) {
  Measure("default", "", 3);
}

TEST(ThroughputTest, Sweep) {
  const char* sweep = std::getenv("MNEMO_BENCH_SWEEP");
  if (sweep == nullptr || std::string(sweep) != "1") GTEST_SKIP() << "set MNEMO_BENCH_SWEEP=1";
  const char* only = std::getenv("MNEMO_BENCH_CONFIGS");  // ';'-separated, replaces the list
  std::vector<std::string> configs;
  if (only != nullptr) {
    std::string all = only;
    for (size_t b = 0, e; b <= all.size(); b = e + 1) {
      e = all.find(';', b);
      if (e == std::string::npos) e = all.size();
      if (e > b) configs.push_back(all.substr(b, e - b));
    }
  }
  for (const char* cfg :
       {R"({"n_batch": 512, "n_ubatch": 512})", R"({"n_batch": 2048, "n_ubatch": 512})",
        R"({"n_batch": 2048, "n_ubatch": 2048})", R"({"n_batch": 1024, "n_ubatch": 1024})",
        R"({"flash_attn": "on"})", R"({"deterministic": false, "flash_attn": "off"})",
        R"({"share_prefix": false})", R"({"deterministic": false})"}) {
    if (only == nullptr) configs.push_back(cfg);
  }
  for (const std::string& cfg : configs) Measure(cfg, cfg, 3);
}

}  // namespace
}  // namespace mnemo::llamacpp_test
