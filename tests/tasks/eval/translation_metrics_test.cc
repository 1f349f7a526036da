// bleu, chrf and ter as task metrics (lm-eval 4e7e0d47: lm_eval/api/metrics.py registers them
// for generate_until with passthrough [gold, result] items and corpus aggregations;
// evaluator_utils.py bootstraps their stderr with min(bootstrap_iters, 100) iterations).
//
// Independent truth:
// - corpus scores: sacrebleu's own test vectors (mjpost/sacrebleu f615c72; the ports are in
//   tests/tasks/metrics/translation_test.cc): sacrebleu/test/test_bleu.py's README example
//   (48.530827), and sacrebleu/test/test_ter.py's sentences (1 shift in 8 words, 3 substitutions in
//   3 words; corpus TER = sum(edits) / sum(reference words)).
// - the bootstrap: the replicates Python's random.Random(0).choices draws
//   (data/translation/bootstrap_indices.py), each scored with the (separately tested) ports.
// - the evaluator on the mock backend: the references are the mock's greedy generations
//   (computed with python3 in evaluator_test.cc), so BLEU and chrF are 100 and TER 0; with a
//   wrong first reference the scores only stay there when every reference reaches sacrebleu.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tasks/eval/aggregate.h"
#include "tasks/eval/evaluator.h"
#include "tasks/eval/shard_merge.h"
#include "tasks/metrics/bleu.h"
#include "tasks/metrics/chrf.h"
#include "tasks/metrics/ter.h"
#include "tasks/stats/aggregation.h"
#include "tests/support/backend_fixture.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using nlohmann::json;

const std::string kData = std::string(MNEMO_EVAL_TEST_DATA) + "/translation";

// sacrebleu/test/test_bleu.py:33-42 (sacrebleu's README example), as lm-eval's items: (refs, pred).
const std::vector<TranslationItem> kBleuItems = {
    {{"The dog bit the man.", "The dog had bit the man."}, "The dog bit the man."},
    {{"It was not unexpected.", "No one was surprised."}, "It wasn't surprising."},
    {{"The man bit him first.", "The man had bitten the dog."}, "The man had just bitten him."}};
// sacrebleu/test/test_ter.py: one block shift over 8 words; 3 substitutions over 3 words.
const std::vector<TranslationItem> kTerItems = {{{"a b c d e f g h"}, "d e f g h a b c"},
                                                {{"aaaa bbbb cccc"}, "dddd eeee ffff"}};

// bootstrap_indices.py's output: 100 replicates of 3 (resp. 2) item indices.
const char kReplicates3[] =
    "221011201121021022220222101122120210212201200201022100120121212111111000111022222211202221"
    "211122201112020020200201212011111200200022010001101002012220220221011011110120102100021012"
    "112111001011211121101001112210122202102212002021001202021001220111200021222022122111010012"
    "211002011010001010102122112102";
const char kReplicates2[] =
    "110010100111011011110111000111010110101100100101011000110111111110101000110011111110101111"
    "110111101011010010100101111011100100100011000001001001001110110110010000110010101000010001"
    "11100100001011001010";

// lm-eval's sample_stddev of the first `reps` replicates' scores.
double ReplicateSd(const std::vector<TranslationItem>& items, const char* digits, size_t reps,
                   Result<double> (*score)(const std::vector<TranslationItem>&)) {
  const size_t n = items.size();
  std::vector<double> stats;
  for (size_t r = 0; r < reps; ++r) {
    std::vector<TranslationItem> rep;
    for (size_t i = 0; i < n; ++i) rep.push_back(items[digits[r * n + i] - '0']);
    auto s = score(rep);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    stats.push_back(s.ok() ? *s : NAN);
  }
  double mean = 0;
  for (double x : stats) mean += x;
  mean /= static_cast<double>(stats.size());
  double ss = 0;
  for (double x : stats) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(stats.size() - 1));
}

json Plan(int bootstrap_iters) {
  json metrics = json::array();
  for (const char* m : {"bleu", "chrf", "ter"})
    metrics.push_back({{"metric", m}, {"aggregation", m}, {"higher_is_better", true}});
  return {{"metrics", metrics}, {"filters", {"none"}}, {"bootstrap_iters", bootstrap_iters}};
}

const EvalMetric* Find(const std::vector<EvalMetric>& ms, const std::string& name) {
  for (const auto& m : ms)
    if (m.name == name) return &m;
  return nullptr;
}

TEST(TranslationMetricsTest, AggregationRegistry) {
  for (const char* name : {"bleu", "chrf", "ter"}) {
    SCOPED_TRACE(name);
    auto a = ParseAggregation(name);
    ASSERT_TRUE(a.ok());
    EXPECT_STREQ(AggregationName(*a), name);
    EXPECT_EQ(DefaultAggregationFor(name), *a);
    EXPECT_EQ(DefaultAggregation(name), name);
    EXPECT_TRUE(IsBootstrapped(*a));
    EXPECT_FALSE(IsRecomputable(*a));
    EXPECT_FALSE(SampleValueOf(json{{name, 3.0}}, name, *a).has_value());
    // lm-eval registers all three with higher_is_better=True (ter's included).
    EXPECT_TRUE(DefaultHigherIsBetter(name));
    MetricSpec m{name, name, true, true, json::object()};
    EXPECT_TRUE(CheckMetricFits(m, OutputType::kGenerateUntil, "t.yaml").ok());
    Status s = CheckMetricFits(m, OutputType::kMultipleChoice, "t.yaml");
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
    EXPECT_NE(KnownMetricNames().find(name), std::string::npos);
  }
}

TEST(TranslationMetricsTest, CorpusScoresAndCappedBootstrapFromTaskValues) {
  TaskMetricValues values;
  for (const auto& it : kBleuItems) {
    values[{"bleu", "none"}].Add(MetricSample::Translation(json(it.refs), it.pred));
    values[{"chrf", "none"}].Add(MetricSample::Translation(json(it.refs), it.pred));
  }
  for (const auto& it : kTerItems)
    values[{"ter", "none"}].Add(MetricSample::Translation(json(it.refs[0]), it.pred));
  // 100000 asked; lm-eval bootstraps these with min(100000, 100).
  auto r = AggregateTaskMetrics(Plan(100000), values, "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const EvalMetric* bleu = Find(*r, "bleu");
  const EvalMetric* chrf = Find(*r, "chrf");
  const EvalMetric* ter = Find(*r, "ter");
  ASSERT_TRUE(bleu && chrf && ter);
  EXPECT_NEAR(bleu->value, 48.530827, 1e-8);                 // sacrebleu/test/test_bleu.py
  EXPECT_NEAR(ter->value, 100.0 * (1 + 3) / (8 + 3), 1e-3);  // sacrebleu/test/test_ter.py's edits
  EXPECT_EQ(bleu->n, 3);
  EXPECT_EQ(ter->n, 2);
  // Cross-check of the wiring only: chrF's value is the port's on the same streams.
  EXPECT_EQ(chrf->value, ChrfAggregation(kBleuItems).value());
  ASSERT_TRUE(bleu->stderr_value && chrf->stderr_value && ter->stderr_value);
  EXPECT_NEAR(*bleu->stderr_value, ReplicateSd(kBleuItems, kReplicates3, 100, &BleuAggregation),
              1e-9);
  EXPECT_NEAR(*chrf->stderr_value, ReplicateSd(kBleuItems, kReplicates3, 100, &ChrfAggregation),
              1e-9);
  EXPECT_NEAR(*ter->stderr_value, ReplicateSd(kTerItems, kReplicates2, 100, &TerAggregation), 1e-9);
  EXPECT_GT(*bleu->stderr_value, 1.0);
  // Fewer than 100: one chunk of that many, the same seed-0 stream.
  auto r50 = AggregateTaskMetrics(Plan(50), values, "t.yaml");
  ASSERT_TRUE(r50.ok());
  EXPECT_NEAR(*Find(*r50, "bleu")->stderr_value,
              ReplicateSd(kBleuItems, kReplicates3, 50, &BleuAggregation), 1e-9);
  EXPECT_NE(*Find(*r50, "bleu")->stderr_value, *bleu->stderr_value);
  // No bootstrap: no stderr.
  auto r0 = AggregateTaskMetrics(Plan(0), values, "t.yaml");
  ASSERT_TRUE(r0.ok());
  EXPECT_FALSE(Find(*r0, "ter")->stderr_value.has_value());
}

TEST(TranslationMetricsTest, ItemJsonIsLmEvalsGoldAndResult) {
  EXPECT_EQ(MetricSample::Translation(json("ref"), "pred").ToJson(), json::array({"ref", "pred"}));
  EXPECT_EQ(MetricSample::Translation(json::array({"a", "b"}), "p").ToJson(),
            json::parse(R"([["a", "b"], "p"])"));
  EXPECT_EQ(MetricSample::Translation(json::array({"a"}), "p").ToJson(),
            json::parse(R"([["a"], "p"])"));
}

testing_util::OpenedBackend OpenMock() {
  return testing_util::OpenTestBackend("mock", "model-a");
}

Result<TaskResult> RunTask(const std::string& yaml) {
  auto m = OpenMock();
  TaskConfig cfg;
  GroupConfig group;
  bool is_group = false;
  MNEMO_RETURN_IF_ERROR(LoadTaskFile(kData + "/" + yaml, &cfg, &group, &is_group));
  auto task = Task::Create(std::move(cfg));
  if (!task.ok()) return task.status();
  if (m.model == nullptr) return Status::Internal("no mock backend");
  EvalOptions o;
  o.show_progress = false;
  o.bootstrap_iters = 1000;
  Evaluator ev(m.model.get(), m.instance.get(), nullptr, o);
  return ev.Run(**task);
}

// The mock's greedy generations for the four prompts (evaluator_test.cc).
const char* const kGreedy[] = {",Z0%+t;0%+t;0%+t;0%+t;0%", "-@`5w .", "l&\"W))))))))))))))))))))",
                               "."};

void CheckPerfectRun(const TaskResult& r, bool listed) {
  ASSERT_EQ(r.samples.size(), 4u);
  for (const json& s : r.samples) {
    const size_t d = s["doc_id"].get<size_t>();
    SCOPED_TRACE("document " + std::to_string(d));
    EXPECT_EQ(s["metrics"], json::array({"bleu", "chrf", "ter"}));
    const json gold = listed ? s["doc"]["targets"] : s["doc"]["target"];
    for (const char* m : {"bleu", "chrf", "ter"})
      EXPECT_EQ(s[m], json::array({gold, kGreedy[d]})) << m;
  }
  const EvalMetric* bleu = Find(r.metrics, "bleu");
  const EvalMetric* chrf = Find(r.metrics, "chrf");
  const EvalMetric* ter = Find(r.metrics, "ter");
  ASSERT_TRUE(bleu && chrf && ter);
  EXPECT_NEAR(bleu->value, 100.0, 1e-9);
  EXPECT_NEAR(chrf->value, 100.0, 1e-9);
  EXPECT_NEAR(ter->value, 0.0, 1e-12);
  EXPECT_EQ(bleu->aggregation, "bleu");
  EXPECT_EQ(ter->aggregation, "ter");
  EXPECT_TRUE(ter->higher_is_better);  // as lm-eval registers it
  // Every TER replicate has no edits (BLEU's vary: a replicate of short sentences lacks 4-grams).
  ASSERT_TRUE(bleu->stderr_value.has_value() && ter->stderr_value.has_value());
  EXPECT_EQ(*ter->stderr_value, 0.0);
  EXPECT_EQ(r.plan["bootstrap_iters"], 1000);
  // A merge recomputes the same from the stored samples.
  auto again = MetricsFromSamples(r.plan, r.samples, "merge");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->size(), r.metrics.size());
  for (size_t i = 0; i < again->size(); ++i) {
    EXPECT_EQ((*again)[i].name, r.metrics[i].name);
    EXPECT_EQ((*again)[i].value, r.metrics[i].value);
    EXPECT_EQ((*again)[i].stderr_value, r.metrics[i].stderr_value);
  }
}

TEST(TranslationMetricsTest, GenerateUntilOneReference) {
  auto r = RunTask("single.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  CheckPerfectRun(*r, false);
}

TEST(TranslationMetricsTest, GenerateUntilListedReferencesAllReachSacrebleu) {
  auto r = RunTask("listed.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  CheckPerfectRun(*r, true);
}

TEST(TranslationMetricsTest, MergeRecomputesAndRefusesMalformedItems) {
  auto r = RunTask("single.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<json> samples = r->samples;
  // A wrong prediction in document 1 changes every score, recomputed from the samples.
  for (const char* m : {"bleu", "chrf", "ter"}) samples[1][m][1] = "something else entirely";
  auto changed = MetricsFromSamples(r->plan, samples, "merge");
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  std::vector<TranslationItem> items;
  for (const json& s : samples)
    items.push_back({{s["ter"][0].get<std::string>()}, s["ter"][1].get<std::string>()});
  EXPECT_LT(Find(*changed, "bleu")->value, 100.0);
  EXPECT_EQ(Find(*changed, "bleu")->value, BleuAggregation(items).value());
  EXPECT_EQ(Find(*changed, "ter")->value, TerAggregation(items).value());
  samples[2]["ter"] = 0.5;
  auto bad = MetricsFromSamples(r->plan, samples, "merge");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'ter'"), std::string::npos) << bad.status().message();
}

TEST(TranslationMetricsTest, BleuOnMultipleChoiceIsRefused) {
  auto r = RunTask("bleu_mc.yaml");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("bleu_mc.yaml"), std::string::npos) << m;
  EXPECT_NE(m.find("'bleu'"), std::string::npos) << m;
  EXPECT_NE(m.find("multiple_choice"), std::string::npos) << m;
}

}  // namespace
}  // namespace mnemo
