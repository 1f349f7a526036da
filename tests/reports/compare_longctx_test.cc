// `mnemo compare` on long-context jobs (issue 20): long_context and perplexity jobs of two runs,
// built through the RunStore API with known per-prompt scores, paired by job name, metric and
// filter, prompts by doc id; the paired tests against a hand count (McNemar's exact binomial),
// a hand enumeration (the exact permutation test) and tasks/stats's bootstrap on the same
// vectors; one-sided jobs as notes; measured performance never a regression.
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/compare/comparison.h"
#include "reports/compare/comparison_output.h"
#include "tasks/stats/paired_tests.h"
#include "tests/support/test_util.h"

namespace mnemo::reports {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using testing_util::TempDir;

// One prompt as audits/longctx/job.cc stores it: doc id "task=T,length=L[,depth=D],index=I",
// data with score in [0, 1] and accuracy = score x 100; `failed` adds "error".
struct Prompt {
  std::string task;
  int length = 0;
  std::optional<int> depth;
  int index = 0;
  double score = 0;
  bool failed = false;

  std::string DocId() const {
    std::string id = "task=" + task + ",length=" + std::to_string(length);
    if (depth) id += ",depth=" + std::to_string(*depth);
    return id + ",index=" + std::to_string(index);
  }
};

// Two NIAH depths of 10 prompts each at 1024 and 2048, cwe (fractional scores, no depth): 20
// prompts at 1024, 8 at 2048. `candidate` selects the candidate's scores.
std::vector<Prompt> Prompts(bool candidate) {
  std::vector<Prompt> out;
  for (int depth : {0, 100})
    for (int i = 0; i < 10; ++i) {
      Prompt p{"niah_single_1", 1024, depth, i, 1.0};
      if (!candidate && depth == 100 && i == 9) p.score = 0;           // the candidate's only win
      if (candidate && depth == 0 && i >= 2) p.score = 0;              // 8 lost at depth 0
      if (candidate && depth == 100 && i >= 6 && i <= 8) p.score = 0;  // 3 lost at depth 100
      out.push_back(p);
    }
  for (int depth : {0, 100})
    for (int i = 0; i < 10; ++i) {
      Prompt p{"niah_single_1", 2048, depth, i, 0.0};
      if (candidate && depth == 0 && i == 3) p.score = 1;
      if (!candidate && depth == 100 && i == 9) p.failed = true;  // unpaired: left out
      out.push_back(p);
    }
  for (int i = 0; i < 20; ++i) {
    double b = 0.4 + 0.025 * i;
    out.push_back({"cwe", 1024, std::nullopt, i, candidate ? b - 0.1 - 0.01 * (i % 3) : b});
  }
  const double cwe2048[2][8] = {{0.5, 0.4, 0.7, 0.2, 0.9, 0.6, 0.3, 0.8},
                                {0.6, 0.1, 0.7, 0.5, 0.6, 0.6, 0.4, 0.4}};
  for (int i = 0; i < 8; ++i)
    out.push_back({"cwe", 2048, std::nullopt, i, cwe2048[candidate ? 1 : 0][i]});
  return out;
}

double Mean(const std::vector<double>& xs) {
  return std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
}

// The long_context metrics of `prompts`, as RulerMetrics computes them (failed prompts left
// out): accuracy per task and length and per length and depth, ruler_average = the mean over
// tasks, effective_length, and measured values.
std::vector<MetricRecord> Metrics(const std::vector<Prompt>& prompts, double tokens_per_second,
                                  double rss) {
  std::map<std::pair<std::string, int>, std::vector<double>> by_task;
  std::map<std::pair<int, int>, std::vector<double>> by_depth;
  for (const auto& p : prompts) {
    if (p.failed) continue;
    by_task[{p.task, p.length}].push_back(p.score);
    if (p.depth) by_depth[{p.length, *p.depth}].push_back(p.score);
  }
  std::vector<MetricRecord> out;
  std::map<int, std::vector<double>> task_means;
  for (const auto& [key, xs] : by_task) {
    out.push_back({"accuracy", "task=" + key.first + ",length=" + std::to_string(key.second),
                   100 * Mean(xs), 1.0, static_cast<int64_t>(xs.size()), true});
    task_means[key.second].push_back(100 * Mean(xs));
  }
  for (const auto& [key, xs] : by_depth)
    out.push_back({"accuracy",
                   "length=" + std::to_string(key.first) + ",depth=" + std::to_string(key.second),
                   100 * Mean(xs), 1.0, static_cast<int64_t>(xs.size()), true});
  for (const auto& [length, means] : task_means)
    out.push_back(
        {"ruler_average", "length=" + std::to_string(length), Mean(means), std::nullopt, 0, true});
  out.push_back({"effective_length", "threshold=85.6", 0, std::nullopt, 2, true});
  for (int length : {1024, 2048}) {
    const std::string f = "length=" + std::to_string(length);
    out.push_back({"peak_rss_bytes", f, rss, std::nullopt, 40, false});
    out.push_back({"tokens_per_second", f, tokens_per_second, std::nullopt, 40, true});
    out.push_back({"kv_bytes", f, 1536.0 * length, std::nullopt, 40, false});
  }
  return out;
}

// Exact two-sided McNemar p from the discordant counts: 2 P(X <= min(b, c)), X ~ Bin(b + c, 1/2).
double BinomialMcNemar(int b, int c) {
  const int n = b + c;
  double tail = 0;
  for (int k = 0; k <= std::min(b, c); ++k) {
    double coef = 1;
    for (int j = 1; j <= k; ++j) coef = coef * (n - k + j) / j;
    tail += coef * std::pow(0.5, n);
  }
  return std::min(1.0, 2 * tail);
}

class CompareLongContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = RunStore::Open(dir_.File("runs.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    // The candidate is slower and uses more memory: measured, so never a regression.
    base_ = AddRun(/*candidate=*/false, 500.0, 1e8, "only_base");
    cand_ = AddRun(/*candidate=*/true, 50.0, 3e8, "only_cand");
    CompareSpec spec;
    spec.base_run = base_;
    spec.candidate_run = cand_;
    auto c = CompareRuns(store_.get(), spec);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cmp_ = std::move(c).value();
  }

  int64_t AddRun(bool candidate, double tps, double rss, const std::string& extra_job) {
    RunRecord run;
    run.name = candidate ? "cand" : "base";
    EXPECT_TRUE(store_->BeginRun(&run).ok());
    ModelRecord m;
    m.backend = "llamacpp";
    m.backend_version = "1.0.0";
    m.path = "/models/tiny.gguf";
    m.fingerprint = "fp-tiny";
    m.info = {{"name", "tiny"}};
    EXPECT_TRUE(store_->UpsertModel(&m).ok());
    auto job = [&](const std::string& kind, const std::string& name) {
      JobRecord j;
      j.run_id = run.id;
      j.model_id = m.id;
      j.kind = kind;
      j.name = name;
      j.config = {{"model_name", "tiny"}};
      EXPECT_TRUE(store_->BeginJob(&j).ok());
      return j.id;
    };
    const auto prompts = Prompts(candidate);
    for (const std::string& name : {std::string("ruler"), extra_job}) {
      int64_t id = job("long_context", name);
      std::vector<SampleRecord> samples;
      for (size_t i = 0; i < prompts.size(); ++i) {
        const Prompt& p = prompts[i];
        nlohmann::json data = {{"task", p.task},
                               {"length", p.length},
                               {"depth", p.depth ? nlohmann::json(*p.depth) : nlohmann::json()},
                               {"index", p.index},
                               {"score", p.score},
                               {"filter", "task=" + p.task + ",length=" + std::to_string(p.length)},
                               {"accuracy", 100 * p.score}};
        if (p.failed) data["error"] = "backend failed";
        samples.push_back({p.DocId(), static_cast<int64_t>(i), data});
      }
      EXPECT_TRUE(store_->PutSamples(id, samples).ok());
      EXPECT_TRUE(store_->PutMetrics(id, Metrics(prompts, tps, rss)).ok());
      EXPECT_TRUE(store_->FinishJob(id, "finished", 0, 0).ok());
    }
    int64_t ppl = job("perplexity", "perplexity");
    const double scale = candidate ? 1.5 : 1.0;
    EXPECT_TRUE(store_
                    ->PutMetrics(ppl, {{"ppl", "none", 10.0 * scale, 0.2, 1000, false},
                                       {"ppl_pos_1_256", "none", 12.0 * scale, 0.3, 255, false}})
                    .ok());
    EXPECT_TRUE(store_->FinishJob(ppl, "finished", 0, 0).ok());
    EXPECT_TRUE(store_->FinishRun(run.id, "finished").ok());
    return run.id;
  }

  const ComparisonRow& Row(const std::string& task, const std::string& metric,
                           const std::string& filter) {
    for (const auto& r : cmp_.rows)
      if (r.task == task && r.metric == metric && r.filter == filter) return r;
    ADD_FAILURE() << "no row " << task << " " << metric << " " << filter;
    static const ComparisonRow kNone;
    return kNone;
  }

  // The aligned scores both sides hold for the prompts `keep` selects (failed ones left out).
  template <typename Keep>
  static void Shared(Keep keep, std::vector<double>* b, std::vector<double>* c) {
    const auto bp = Prompts(false), cp = Prompts(true);
    for (size_t i = 0; i < bp.size(); ++i) {
      if (!keep(bp[i]) || bp[i].failed || cp[i].failed) continue;
      b->push_back(bp[i].score);
      c->push_back(cp[i].score);
    }
  }

  TempDir dir_;
  std::unique_ptr<RunStore> store_;
  int64_t base_ = 0, cand_ = 0;
  Comparison cmp_;
};

TEST_F(CompareLongContextTest, PairsEveryStoredMetricByJobNameAndFilter) {
  // ruler: 4 accuracy-by-task, 4 depth cells, 2 averages, effective length, 3 x 2 measured;
  // perplexity: 2. Jobs on one side only give no rows.
  EXPECT_EQ(cmp_.rows.size(), 4u + 4u + 2u + 1u + 6u + 2u);
  for (const auto& r : cmp_.rows) {
    EXPECT_TRUE(r.task == "long_context:ruler" || r.task == "perplexity:perplexity") << r.task;
    EXPECT_EQ(r.base_model, "tiny");
    EXPECT_EQ(r.candidate_model, "tiny");
    EXPECT_DOUBLE_EQ(r.delta, r.candidate_value - r.base_value);
  }
  const auto& acc = Row("long_context:ruler", "accuracy", "task=niah_single_1,length=1024");
  EXPECT_DOUBLE_EQ(acc.base_value, 95.0);
  EXPECT_DOUBLE_EQ(acc.candidate_value, 45.0);
  EXPECT_TRUE(acc.higher_is_better);
  EXPECT_EQ(acc.base_stderr, 1.0);
  const auto& ppl = Row("perplexity:perplexity", "ppl", "none");
  EXPECT_DOUBLE_EQ(ppl.delta, 5.0);
  EXPECT_FALSE(ppl.higher_is_better);
  EXPECT_EQ(ppl.test.method, "none");
  EXPECT_FALSE(ppl.regression);  // worse, but untested
  EXPECT_DOUBLE_EQ(Row("perplexity:perplexity", "ppl_pos_1_256", "none").delta, 6.0);
  for (const char* metric : {"effective_length", "kv_bytes"}) {
    for (const auto& r : cmp_.rows)
      if (r.metric == metric) {
        EXPECT_EQ(r.test.method, "none") << metric;
      }
  }
  EXPECT_FALSE(Row("long_context:ruler", "kv_bytes", "length=2048").higher_is_better);
}

TEST_F(CompareLongContextTest, OneSidedJobsAreNotes) {
  EXPECT_THAT(cmp_.notes, Contains("long_context job 'only_base' only in the base (tiny)"));
  EXPECT_THAT(cmp_.notes, Contains("long_context job 'only_cand' only in the candidate (tiny)"));
  EXPECT_EQ(cmp_.notes.size(), 2u);
}

TEST_F(CompareLongContextTest, BinaryAccuracyIsMcNemarOnTheHandCount) {
  struct Case {
    std::string filter;
    int length;
    std::optional<int> depth;  // nullopt: the task row (both depths)
  };
  for (const Case& k :
       {Case{"task=niah_single_1,length=1024", 1024, std::nullopt},
        Case{"length=1024,depth=0", 1024, 0}, Case{"length=1024,depth=100", 1024, 100},
        Case{"task=niah_single_1,length=2048", 2048, std::nullopt},
        Case{"length=2048,depth=100", 2048, 100}}) {
    std::vector<double> b, c;
    Shared(
        [&](const Prompt& p) {
          return p.task == "niah_single_1" && p.length == k.length &&
                 (!k.depth || p.depth == k.depth);
        },
        &b, &c);
    int base_only = 0, cand_only = 0;
    for (size_t i = 0; i < b.size(); ++i) {
      base_only += b[i] == 1 && c[i] == 0;
      cand_only += b[i] == 0 && c[i] == 1;
    }
    const auto& r = Row("long_context:ruler", "accuracy", k.filter);
    SCOPED_TRACE(k.filter);
    EXPECT_EQ(r.test.method, "mcnemar-exact");
    EXPECT_EQ(r.test.n, static_cast<int64_t>(b.size()));
    EXPECT_EQ(r.test.base_only, base_only);
    EXPECT_EQ(r.test.candidate_only, cand_only);
    EXPECT_NEAR(r.test.p_value, BinomialMcNemar(base_only, cand_only), 1e-12);
    // In percent points, as the metric.
    EXPECT_NEAR(r.test.delta, 100.0 * (cand_only - base_only) / b.size(), 1e-9);
  }
  // The hand count: 8 + 3 lost, 1 won at 1024; one prompt failed in the base at 2048.
  const auto& r1024 = Row("long_context:ruler", "accuracy", "task=niah_single_1,length=1024");
  EXPECT_EQ(r1024.test.base_only, 11);
  EXPECT_EQ(r1024.test.candidate_only, 1);
  EXPECT_NEAR(r1024.test.p_value, 2.0 * 13.0 / 4096.0, 1e-12);  // 2 (1 + 12) / 2^12
  EXPECT_TRUE(r1024.regression);
  EXPECT_EQ(Row("long_context:ruler", "accuracy", "task=niah_single_1,length=2048").test.n, 19);
  EXPECT_TRUE(Row("long_context:ruler", "accuracy", "length=1024,depth=0").regression);
  EXPECT_FALSE(Row("long_context:ruler", "accuracy", "length=1024,depth=100").regression);
}

TEST_F(CompareLongContextTest, FractionalAccuracyUsesPermutationOrBootstrap) {
  // 8 prompts: the exact permutation test, checked by enumerating the 2^8 swaps here.
  std::vector<double> b, c;
  Shared([](const Prompt& p) { return p.task == "cwe" && p.length == 2048; }, &b, &c);
  ASSERT_EQ(b.size(), 8u);
  double observed = 0;
  for (size_t i = 0; i < b.size(); ++i) observed += c[i] - b[i];
  int extreme = 0;
  for (int mask = 0; mask < 256; ++mask) {
    double d = 0;
    for (int i = 0; i < 8; ++i) d += ((mask >> i) & 1 ? -1 : 1) * (c[i] - b[i]);
    extreme += std::fabs(d) >= std::fabs(observed) * (1 - 1e-12);
  }
  const auto& small = Row("long_context:ruler", "accuracy", "task=cwe,length=2048");
  EXPECT_EQ(small.test.method, "permutation-exact");
  EXPECT_NEAR(small.test.p_value, extreme / 256.0, 1e-12);
  EXPECT_NEAR(small.test.delta, 100 * observed / 8, 1e-9);
  EXPECT_NEAR(small.delta, small.test.delta, 1e-9);  // every prompt shared

  // 20 prompts: the paired bootstrap of the mean, as tasks/stats computes it on these scores.
  std::vector<double> b2, c2;
  Shared([](const Prompt& p) { return p.task == "cwe" && p.length == 1024; }, &b2, &c2);
  std::vector<SampleValue> vb, vc;
  for (size_t i = 0; i < b2.size(); ++i) {
    vb.push_back({b2[i], 1});
    vc.push_back({c2[i], 1});
  }
  const PairedTestResult want = PairedBootstrap(Aggregation::kMean, vb, vc, BootstrapOptions{});
  const auto& big = Row("long_context:ruler", "accuracy", "task=cwe,length=1024");
  EXPECT_EQ(big.test.method, "paired-bootstrap");
  EXPECT_EQ(big.test.n, 20);
  EXPECT_DOUBLE_EQ(big.test.p_value, want.p_value);
  EXPECT_NEAR(big.test.ci_low, 100 * want.ci_low, 1e-9);
  EXPECT_NEAR(big.test.ci_high, 100 * want.ci_high, 1e-9);
  EXPECT_NEAR(big.test.delta, big.delta, 1e-9);
  // Every prompt lost 0.1 to 0.12: no resample reaches a delta of 0.
  EXPECT_LT(big.test.p_value, 0.01);
  EXPECT_TRUE(big.regression);
}

TEST_F(CompareLongContextTest, RulerAverageTestedOnlyWhenTasksWeighAlike) {
  // 1024: 20 NIAH and 20 cwe prompts shared, so the mean over prompts is the mean over tasks.
  std::vector<double> b, c;
  Shared([](const Prompt& p) { return p.length == 1024; }, &b, &c);
  ASSERT_EQ(b.size(), 40u);
  std::vector<SampleValue> vb, vc;
  for (size_t i = 0; i < b.size(); ++i) {
    vb.push_back({b[i], 1});
    vc.push_back({c[i], 1});
  }
  const auto& avg = Row("long_context:ruler", "ruler_average", "length=1024");
  const PairedTestResult want = PairedBootstrap(Aggregation::kMean, vb, vc, BootstrapOptions{});
  EXPECT_EQ(avg.test.method, "paired-bootstrap");
  EXPECT_EQ(avg.test.n, 40);
  EXPECT_DOUBLE_EQ(avg.test.p_value, want.p_value);
  EXPECT_NEAR(avg.test.delta, avg.delta, 1e-9);
  // 2048: 19 NIAH prompts against 8 cwe: no test, the delta only.
  const auto& uneven = Row("long_context:ruler", "ruler_average", "length=2048");
  EXPECT_EQ(uneven.test.method, "none");
  EXPECT_EQ(uneven.test.n, 27);
  EXPECT_FALSE(uneven.significant);
}

TEST_F(CompareLongContextTest, MeasuredPerformanceIsNeverARegression) {
  int counted = 0;
  for (const auto& r : cmp_.rows) counted += r.regression;
  EXPECT_EQ(cmp_.regressions, counted);
  EXPECT_GT(cmp_.regressions, 0);  // the accuracy drops above
  for (const char* metric : {"tokens_per_second", "peak_rss_bytes"}) {
    for (const char* filter : {"length=1024", "length=2048"}) {
      const auto& r = Row("long_context:ruler", metric, filter);
      SCOPED_TRACE(std::string(metric) + " " + filter);
      EXPECT_TRUE(r.measured);
      EXPECT_FALSE(r.regression);
      EXPECT_FALSE(r.improvement);
    }
  }
  EXPECT_DOUBLE_EQ(Row("long_context:ruler", "tokens_per_second", "length=1024").delta, -450.0);
  EXPECT_FALSE(Row("long_context:ruler", "kv_bytes", "length=1024").measured);
  // The other way round (the candidate faster, leaner): no improvement either.
  CompareSpec spec;
  spec.base_run = cand_;
  spec.candidate_run = base_;
  auto rev = CompareRuns(store_.get(), spec);
  ASSERT_TRUE(rev.ok());
  for (const auto& r : rev->rows)
    if (r.measured) {
      EXPECT_FALSE(r.improvement || r.regression) << r.metric;
    }
  const std::string md = ComparisonMarkdown(cmp_);
  EXPECT_THAT(md, HasSubstr("| long_context:ruler | tokens_per_second ↑ | length=1024 |"));
  EXPECT_THAT(md, HasSubstr("measured, not gated"));
  const nlohmann::json j = ComparisonJson(cmp_);
  int measured = 0;
  for (const auto& r : j["rows"]) measured += r["measured"].get<bool>();
  EXPECT_EQ(measured, 4);
}

}  // namespace
}  // namespace mnemo::reports
