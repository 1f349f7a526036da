// Tasks on tiny-gemma3 through the real llama.cpp plugin:
//  * tiny_geo 0-shot per-choice log-likelihoods against reference.json (an independent
//    Hugging Face implementation) and its argmax accuracy;
//  * acc_norm by token count against llama-perplexity --hellaswag on the same 300 items;
//  * wikitext2: every token scored exactly once across rolling windows, perplexities
//    reproducible across runs and thread counts.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"
#include "tasks/config/task_registry.h"
#include "tasks/eval/evaluator.h"
#include "tests/support/backend_fixture.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;
namespace fs = std::filesystem;

const std::string kFixtures = MNEMO_FIXTURES_DIR;
const std::string kFinal = kFixtures + "/tiny-gemma3-final.gguf";

using Llama = testing_util::OpenedBackend;

Llama OpenLlama(uint32_t threads) {
  return testing_util::OpenTestBackend("llamacpp", kFinal, threads);
}

TaskConfig LoadShipped(const std::string& name) {
  TaskRegistry reg;
  reg.Scan();
  EXPECT_TRUE(reg.tasks().count(name)) << name;
  return reg.tasks().at(name);
}

TaskResult Evaluate(Llama& l, TaskConfig cfg, size_t limit) {
  auto task = Task::Create(std::move(cfg));
  EXPECT_TRUE(task.ok()) << task.status().ToString();
  EvalOptions opt;
  opt.limit = limit;
  opt.show_progress = false;
  Evaluator ev(l.model.get(), l.instance.get(), nullptr, opt);
  auto r = ev.Run(**task);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

double MetricValue(const TaskResult& r, const std::string& name) {
  for (const auto& m : r.metrics)
    if (m.name == name) return m.value;
  ADD_FAILURE() << "no metric " << name;
  return NAN;
}

TEST(LlamaTasksTest, TinyGeoMatchesTheIndependentReference) {
  if (!fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so")) GTEST_SKIP();
  Llama l = OpenLlama(2);
  TaskResult r = Evaluate(l, LoadShipped("tiny_geo"), 60);
  std::ifstream in(kFixtures + "/reference.json");
  nlohmann::json ref = nlohmann::json::parse(in);
  ASSERT_EQ(ref["loglik"].size(), 60u);
  ASSERT_EQ(r.samples.size(), 60u);
  int within = 0, total = 0, ref_correct = 0;
  double max_diff = 0;
  for (size_t d = 0; d < 60; ++d) {
    const auto& item = ref["loglik"][d];
    const auto& s = r.samples[d];
    ASSERT_EQ(s["doc"]["id"], item["id"]);
    size_t best = 0;
    for (size_t c = 0; c < item["choices"].size(); ++c) {
      double ours = s["resps"][c][0][0].get<double>();
      double theirs = item["choices"][c]["logprob"].get<double>();
      double diff = std::fabs(ours - theirs);
      max_diff = std::max(max_diff, diff);
      within += diff <= 0.05;
      ++total;
      if (theirs > item["choices"][best]["logprob"].get<double>()) best = c;
    }
    ref_correct += best == item["answer"].get<size_t>();
  }
  std::printf("tiny_geo loglik: %d/%d choices within 0.05 nats, max |diff| %.4f\n", within, total,
              max_diff);
  EXPECT_GE(within, 228);  // >= 95% of 240
  EXPECT_DOUBLE_EQ(MetricValue(r, "acc"), ref_correct / 60.0);
}

TEST(LlamaTasksTest, AccNormByTokenCountEqualsLlamaPerplexityHellaswag) {
  if (!fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so")) GTEST_SKIP();
  ASSERT_TRUE(fs::exists(MNEMO_LLAMA_PERPLEXITY)) << MNEMO_LLAMA_PERPLEXITY;
  TempDir dir;
  // The items in llama.cpp's HellaSwag layout: context on one line, gold, four endings.
  std::ifstream in(kFixtures + "/bench.jsonl");
  std::string line, hs;
  size_t n = 0;
  while (std::getline(in, line)) {
    auto d = nlohmann::json::parse(line);
    hs += d["passage"].get<std::string>() + " Question: " + d["question"].get<std::string>() +
          " Answer:\n" + std::to_string(d["answer"].get<int>()) + "\n";
    for (const auto& c : d["choices"]) hs += c.get<std::string>() + "\n";
    ++n;
  }
  WriteFile(dir.File("hs.txt"), hs);
  auto tool = RunCommand(std::string(MNEMO_LLAMA_PERPLEXITY) + " -m " + kFinal + " -f " +
                         dir.File("hs.txt") + " --hellaswag --hellaswag-tasks " +
                         std::to_string(n) + " -t 2 -c 2048");
  ASSERT_EQ(tool.exit_code, 0) << tool.output;
  std::smatch m;
  std::regex re(std::to_string(n) + R"(\t([0-9.]+)%)");
  ASSERT_TRUE(std::regex_search(tool.output, m, re))
      << tool.output.substr(tool.output.size() - 2000);
  double tool_acc = std::stod(m[1]) / 100.0;

  // The same contexts through mnemo, normalised by continuation token count.
  TaskConfig cfg = LoadShipped("tiny_geo");
  cfg.doc_to_text = "{{passage}} Question: {{question}} Answer:";
  Llama l = OpenLlama(2);
  TaskResult r = Evaluate(l, cfg, 0);
  ASSERT_EQ(r.samples.size(), n);
  size_t correct = 0;
  for (const auto& s : r.samples) {
    size_t best = 0;
    double best_v = -INFINITY;
    for (size_t c = 0; c < s["resps"].size(); ++c) {
      double v = s["resps"][c][0][0].get<double>() / s["continuation_tokens"][c].get<double>();
      if (v > best_v) best_v = v, best = c;
    }
    correct += best == s["target"].get<size_t>();
  }
  double ours = static_cast<double>(correct) / n;
  std::printf("acc_norm by token count: mnemo %.4f, llama-perplexity --hellaswag %.4f\n", ours,
              tool_acc);
  EXPECT_NEAR(ours, tool_acc, 0.5 / n);
}

TEST(LlamaTasksTest, WikitextScoresEveryTokenOnceAndIsReproducible) {
  if (!fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so")) GTEST_SKIP();
  TaskConfig cfg = LoadShipped("wikitext2");
  Llama two = OpenLlama(2);
  TaskResult a = Evaluate(two, cfg, 3);
  TaskResult b = Evaluate(two, cfg, 3);
  Llama one = OpenLlama(1);
  TaskResult c = Evaluate(one, cfg, 3);
  for (const char* metric : {"word_perplexity", "byte_perplexity", "bits_per_byte"}) {
    double va = MetricValue(a, metric);
    EXPECT_TRUE(std::isfinite(va)) << metric;
    EXPECT_EQ(va, MetricValue(b, metric)) << metric << " differs between two runs";
    EXPECT_NEAR(va, MetricValue(c, metric), 1e-9 * va)
        << metric << " differs between 1 and 2 threads";
  }
  // Every token exactly once: rolling responses carry one log-probability per text token,
  // and they sum to the document's log-likelihood, for windows smaller than the document too.
  for (size_t d = 0; d < 3; ++d) {
    std::string text = a.samples[d]["arguments"][0][0].get<std::string>();
    auto toks = two.model->Tokenize(text, false).value();
    for (uint32_t window : {0u, 256u, 1000u}) {
      Request q;
      q.kind = MN_REQ_SCORE_ROLLING;
      q.context = toks;
      q.prefix_token = two.model->info().bos_token;
      q.window = window;
      Response resp;
      ASSERT_TRUE(
          two.instance->Execute({&q}, [&](size_t, Response&& x) { resp = std::move(x); }).ok());
      ASSERT_TRUE(resp.ok()) << resp.error;
      ASSERT_EQ(resp.token_logprobs.size(), toks.size()) << "window " << window;
      double sum = 0;
      for (float x : resp.token_logprobs) sum += x;
      EXPECT_NEAR(sum, resp.logprob, 1e-3 * std::fabs(resp.logprob));
      if (window == 0) {
        EXPECT_NEAR(resp.logprob, a.samples[d]["resps"][0][0].get<double>(), 1e-6);
      }
    }
  }
}

TEST(LlamaTasksTest, Gsm8kRunsEndToEndWithBothFilters) {
  if (!fs::exists(std::string(MNEMO_BACKEND_DIR) + "/libmnemo_llamacpp.so")) GTEST_SKIP();
  Llama l = OpenLlama(2);
  TaskResult r = Evaluate(l, LoadShipped("gsm8k"), 3);
  ASSERT_EQ(r.n_docs, 3u);
  EXPECT_EQ(r.num_fewshot, 5);
  ASSERT_EQ(r.samples.size(), 6u);  // 3 documents x 2 filters
  std::set<std::string> filters;
  for (const auto& s : r.samples) {
    filters.insert(s["filter"].get<std::string>());
    // 5-shot context from train: five "Question: ..." blocks before the document's.
    std::string ctx = s["arguments"][0][0].get<std::string>();
    size_t q = 0;
    for (size_t at = ctx.find("Question: "); at != std::string::npos;
         at = ctx.find("Question: ", at + 1))
      ++q;
    EXPECT_EQ(q, 6u);
    // The generation stopped at an `until` string or the token budget, never past "Question:".
    std::string gen = s["resps"][0][0].get<std::string>();
    EXPECT_EQ(gen.find("Question:"), std::string::npos) << gen;
    ASSERT_EQ(s["filtered_resps"].size(), 1u);
    std::string filtered = s["filtered_resps"][0].get<std::string>();
    // A filtered answer is an extracted number or lm-eval's fallback.
    EXPECT_TRUE(filtered == "[invalid]" ||
                filtered.find_first_of("0123456789") != std::string::npos)
        << filtered;
  }
  EXPECT_EQ(filters, (std::set<std::string>{"strict-match", "flexible-extract"}));
  int em = 0;
  for (const auto& m : r.metrics) em += m.name == "exact_match";
  EXPECT_EQ(em, 2);
}

}  // namespace
}  // namespace mnemo
