// Task aggregations, lm-eval's bootstrap and group pooling. Small cases are worked by hand in
// the comments. The bootstrap expectations were printed by a python3.11 script that copies
// lm-eval's bootstrap (metrics.py: _bootstrap_internal_no_mp + sample_stddev, i.e. chunk i uses
// random.Random(i).choices(xs, k=len(xs))) with lm-eval's median/perplexity aggregations and, as
// sklearn is not installed, sklearn's f1 (2tp / (true_sum + pred_sum)) and matthews_corrcoef
// (its float64 covariance formula) written out by hand. The data were drawn with
// random.Random(2024) (uniform values rounded to 3-4 places, random labels).
#include "tasks/metrics/aggregation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "tasks/metrics/corpus.h"
#include "tasks/stats/bootstrap.h"
#include "tasks/stats/mean.h"

namespace mnemo {
namespace {

const std::vector<double> kValues = {
    4.701, 7.283, 3.038, 8.873, 4.101, 7.166, 2.652, 2.452, 8.126, 4.983, 4.159, 7.278, 9.632,
    3.095, 7.041, 5.194, 7.314, 9.997, 2.064, 7.526, 4.685, 7.09,  8.719, 1.484, 2.126,
};
const std::vector<double> kLls = {
    -12.6514, -2.2253, -10.8086, -12.7888, -4.1634, -22.4334, -23.0029, -12.014, -10.6862, -6.4339,
    -13.0908, -9.8354, -6.8147,  -26.1001, -7.2585, -1.6944,  -7.144,   -1.0729, -26.0297, -25.3968,
};
const std::vector<GoldPred> kBinaryPairs = {
    {1, 1}, {0, 1}, {0, 0}, {1, 1}, {0, 0}, {1, 1}, {0, 1}, {1, 1}, {1, 1}, {0, 0},
    {1, 0}, {0, 0}, {0, 0}, {0, 1}, {0, 1}, {0, 0}, {0, 1}, {0, 1}, {1, 1}, {1, 1},
    {0, 0}, {1, 1}, {1, 0}, {1, 0}, {1, 0}, {0, 1}, {0, 0}, {1, 1}, {0, 1}, {0, 0},
};
const std::vector<GoldPred> kMulticlassPairs = {
    // -100: lm-eval's out-of-range gold
    {1, 0}, {1, 0}, {0, 2},    {1, 0}, {-100, 2}, {1, 0},    {0, 0}, {0, 2},
    {0, 2}, {0, 2}, {1, 2},    {2, 0}, {0, 1},    {0, 0},    {0, 0}, {1, 2},
    {1, 2}, {1, 1}, {1, 1},    {2, 1}, {-100, 2}, {-100, 2}, {1, 1}, {-100, 1},
    {1, 0}, {1, 1}, {-100, 0}, {1, 1}, {-100, 2}, {0, 0},
};

TEST(CorpusTest, RollingCounts) {
  EXPECT_EQ(CountWords("hello world"), 2u);
  EXPECT_EQ(CountWords(" a b "), 4u);  // re.split(r"\s+", " a b ") == ['', 'a', 'b', '']
  EXPECT_EQ(CountWords(""), 1u);
  EXPECT_EQ(CountBytes("\u65e5\u672c"), 6u);
  EXPECT_EQ(CountBytes("\u00e9"), 2u);
  EXPECT_EQ(CountBytes("\U0001F600"), 4u);
}

TEST(CorpusTest, PerplexityFamily) {
  // Documents "hello world" (ll -10, 2 words, 11 bytes) and " a b " (ll -6, 4 words, 5 bytes).
  std::vector<LlCount> words = {{-10, 2}, {-6, 4}}, bytes = {{-10, 11}, {-6, 5}};
  EXPECT_EQ(WeightedPerplexity(words), 14.391916095149892);  // exp(16/6)
  EXPECT_EQ(WeightedPerplexity(bytes), 2.718281828459045);   // exp(16/16)
  EXPECT_EQ(BitsPerByte(bytes), 1.4426950408889634);         // (16/16) / ln 2
  EXPECT_EQ(Perplexity({-1, -3}), 7.38905609893065);         // exp(2)
  EXPECT_TRUE(std::isnan(Perplexity({})));
}

TEST(CorpusTest, MedianIsTheUpperMedian) {
  EXPECT_EQ(Median({3, 1, 2}), 2.0);
  EXPECT_EQ(Median({4, 1, 3, 2}), 3.0);  // sorted(...)[4 // 2]
  EXPECT_EQ(Median({5}), 5.0);
  EXPECT_EQ(Median({1, 1, 2, 2}), 2.0);
  EXPECT_EQ(Median(kValues), 5.194);
}

TEST(CorpusTest, F1AndMccByHand) {
  // golds 1 1 0 0 1, preds 1 0 0 1 1: tp 2, fn 1, fp 1, tn 1.
  // F1 = 2*2 / (2*2 + 1 + 1) = 2/3. MCC: t_sum = p_sum = (2, 3), correct 3, n 5:
  // cov_ytyp = 3*5 - 13 = 2, cov_ypyp = cov_ytyt = 25 - 13 = 12, MCC = 2 / 12.
  std::vector<GoldPred> p = {{1, 1}, {1, 0}, {0, 0}, {0, 1}, {1, 1}};
  EXPECT_EQ(F1Score(p).value(), 2.0 / 3.0);
  EXPECT_EQ(MatthewsCorrcoef(p), 2.0 / 12.0);
  // No positives anywhere: sklearn's zero_division gives 0. Constant predictions: MCC 0.
  EXPECT_EQ(F1Score({{0, 0}, {0, 0}}).value(), 0.0);
  EXPECT_EQ(MatthewsCorrcoef({{0, 1}, {1, 1}}), 0.0);
  EXPECT_EQ(F1Score(kBinaryPairs).value(), 0.6);
  EXPECT_EQ(MatthewsCorrcoef(kBinaryPairs), 0.22171945701357465);
  EXPECT_EQ(MatthewsCorrcoef(kMulticlassPairs), 0.07475743188112141);
}

TEST(CorpusTest, F1RejectsNonBinaryLabels) {
  EXPECT_FALSE(F1Score({{0, 1}, {2, 1}}).ok());  // three labels
  EXPECT_FALSE(F1Score({{0, 2}, {2, 0}}).ok());  // two labels, neither is 1
  EXPECT_FALSE(F1Score(kMulticlassPairs).ok());
  EXPECT_EQ(F1Score({{2, 2}}).value(), 0.0);                  // one label: allowed, no positives
  EXPECT_EQ(F1Score({{1, 5}, {5, 1}, {1, 1}}).value(), 0.5);  // labels {1, 5}: tp 1, fn 1, fp 1
}

TEST(CorpusTest, BrierScore) {
  // probs (1/3, 2/3), gold 1: (1/3)^2 + (1/3)^2 = 2/9; probs (0.5, 0.5), gold 0: 0.25 + 0.25.
  // Mean over the two documents: (2/9 + 1/2) / 2 = 13/36.
  auto b = BrierScore({{1, {1.0 / 3.0, 2.0 / 3.0}}, {0, {0.5, 0.5}}});
  ASSERT_TRUE(b.ok());
  EXPECT_NEAR(*b, 13.0 / 36.0, 1e-16);
  EXPECT_FALSE(BrierScore({{0, {1.0}}, {0, {0.5, 0.5}}}).ok());  // ragged
  EXPECT_FALSE(BrierScore({{-100, {0.5, 0.5}}}).ok());           // numpy IndexError
}

TEST(CorpusTest, NumpyPairwiseSum) {
  // Below 8 items: left to right. 0.1 * 10 summed pairwise is 1.0 exactly where the naive
  // left-to-right sum gives 0.9999999999999999.
  std::vector<double> x(10, 0.1);
  double naive = 0.0;
  for (double v : x) naive += v;
  EXPECT_EQ(naive, 0.9999999999999999);
  EXPECT_EQ(NumpySum(x.data(), x.size()), 1.0);
}

TEST(AggregateTest, MeanStderrMatchesSampleSd) {
  MetricItems items;
  items.values = kValues;
  auto r = Aggregate(Aggregation::kMean, items);
  ASSERT_TRUE(r.ok());
  // python3.11: statistics-free sample_stddev(vals) / sqrt(25) and mean(vals).
  EXPECT_EQ(r->value, 5.6311599999999995);
  ASSERT_TRUE(r->stderr.has_value());
  EXPECT_EQ(*r->stderr, 0.5178472190392324);
  EXPECT_EQ(r->n, 25u);
}

TEST(AggregateTest, NotApplicableCases) {
  MetricItems one;
  one.values = {1.0};
  EXPECT_FALSE(Aggregate(Aggregation::kMean, one)->stderr.has_value());        // n = 1
  EXPECT_FALSE(Aggregate(Aggregation::kPerplexity, one)->stderr.has_value());  // n = 1
  MetricItems two;
  two.values = {0.0, 1.0};
  EXPECT_FALSE(Aggregate(Aggregation::kMean, two, 0)->stderr.has_value());  // iters = 0
  EXPECT_TRUE(Aggregate(Aggregation::kMean, two, 1)->stderr.has_value());
  EXPECT_FALSE(Aggregate(Aggregation::kMedian, two, 1)->stderr.has_value());  // 1 replicate
  MetricItems w;
  w.weighted = {{-10, 2}, {-6, 4}};
  auto wp = Aggregate(Aggregation::kWeightedPerplexity, w);
  EXPECT_EQ(wp->value, 14.391916095149892);
  EXPECT_FALSE(wp->stderr.has_value());
  EXPECT_FALSE(Aggregate(Aggregation::kBitsPerByte, w)->stderr.has_value());
  MetricItems b;
  b.brier = {{1, {0.25, 0.75}}, {0, {0.5, 0.5}}};
  EXPECT_FALSE(Aggregate(Aggregation::kBrierScore, b)->stderr.has_value());
  EXPECT_FALSE(Aggregate(Aggregation::kMean, MetricItems{}).ok());  // nothing to aggregate
  MetricItems bad;
  bad.pairs = kMulticlassPairs;
  EXPECT_FALSE(Aggregate(Aggregation::kF1, bad).ok());
  EXPECT_TRUE(Aggregate(Aggregation::kMcc, bad, 10).ok());
}

TEST(AggregateTest, NamesAndDefaults) {
  EXPECT_EQ(ParseAggregation("matthews_corrcoef").value(), Aggregation::kMcc);
  EXPECT_EQ(ParseAggregation("mcc").value(), Aggregation::kMcc);
  EXPECT_EQ(ParseAggregation("weighted_perplexity").value(), Aggregation::kWeightedPerplexity);
  EXPECT_FALSE(ParseAggregation("geometric_mean").ok());
  EXPECT_EQ(DefaultAggregationFor("acc_norm"), Aggregation::kMean);
  EXPECT_EQ(DefaultAggregationFor("byte_perplexity"), Aggregation::kWeightedPerplexity);
  EXPECT_EQ(DefaultAggregationFor("bits_per_byte"), Aggregation::kBitsPerByte);
  EXPECT_EQ(DefaultAggregationFor("mcc"), Aggregation::kMcc);
  EXPECT_TRUE(IsBootstrapped(Aggregation::kPerplexity));
  EXPECT_FALSE(IsBootstrapped(Aggregation::kMean));
  for (auto a : {Aggregation::kMean, Aggregation::kMedian, Aggregation::kPerplexity,
                 Aggregation::kWeightedPerplexity, Aggregation::kBitsPerByte, Aggregation::kF1,
                 Aggregation::kMcc, Aggregation::kBrierScore}) {
    EXPECT_EQ(ParseAggregation(AggregationName(a)).value(), a);
  }
}

TEST(BootstrapTest, ReplicatesFollowLmEvalChunks) {
  // First replicates of chunk 0 (random.Random(0)) and the replicate counts.
  auto med = BootstrapReplicates(kValues.size(), 100000, MedianStatistic(kValues));
  ASSERT_EQ(med.size(), 100000u);
  EXPECT_EQ(med[0], 5.194);
  EXPECT_EQ(med[1], 4.983);
  EXPECT_EQ(med[2], 4.983);
  EXPECT_EQ(BootstrapReplicates(kValues.size(), 2500, MedianStatistic(kValues)).size(), 2000u);
  EXPECT_EQ(BootstrapReplicates(kValues.size(), 500, MedianStatistic(kValues)).size(), 500u);
  auto ppl = BootstrapReplicates(kLls.size(), 1000, PerplexityStatistic(kLls));
  EXPECT_EQ(ppl[0], 1454117.8702694613);
  EXPECT_EQ(ppl[1], 419729.1914348208);
  EXPECT_EQ(ppl[2], 72236.44673970563);
  auto f1 = BootstrapReplicates(kBinaryPairs.size(), 1000, F1Statistic(kBinaryPairs));
  EXPECT_EQ(f1[0], 0.6875);
  EXPECT_EQ(f1[1], 0.6451612903225806);
  EXPECT_EQ(f1[2], 0.5882352941176471);
  auto mcc = BootstrapReplicates(kMulticlassPairs.size(), 1000, MccStatistic(kMulticlassPairs));
  EXPECT_EQ(mcc[0], 0.2825187553240141);
  EXPECT_EQ(mcc[1], 0.027204106587273853);
  EXPECT_EQ(mcc[2], 0.1934079573800917);
}

struct BootCase {
  Aggregation agg;
  int iters;
  double want;
};

TEST(BootstrapTest, StderrMatchesLmEvalExactly) {
  MetricItems items;
  items.values = kValues;
  MetricItems ppl;
  ppl.values = kLls;
  MetricItems bin;
  bin.pairs = kBinaryPairs;
  MetricItems multi;
  multi.pairs = kMulticlassPairs;
  const struct {
    const MetricItems* items;
    BootCase c;
  } cases[] = {
      {&items, {Aggregation::kMedian, 100000, 1.176326492975372}},
      {&items, {Aggregation::kMedian, 2500, 1.17200831802669}},
      {&items, {Aggregation::kMedian, 500, 1.1820507789804022}},
      {&ppl, {Aggregation::kPerplexity, 100000, 5821412.430441379}},
      {&ppl, {Aggregation::kPerplexity, 2500, 4245193.680307239}},
      {&ppl, {Aggregation::kPerplexity, 500, 6868207.961293529}},
      {&bin, {Aggregation::kF1, 100000, 0.10886806599115194}},
      {&bin, {Aggregation::kF1, 2500, 0.11067743622024542}},
      {&bin, {Aggregation::kF1, 500, 0.10719273930294218}},
      {&multi, {Aggregation::kMcc, 100000, 0.10665386247397428}},
      {&multi, {Aggregation::kMcc, 2500, 0.10551402926725674}},
      {&multi, {Aggregation::kMcc, 500, 0.10424072075415772}},
  };
  for (const auto& k : cases) {
    auto r = Aggregate(k.c.agg, *k.items, k.c.iters);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->stderr.has_value());
    EXPECT_EQ(*r->stderr, k.c.want) << AggregationName(k.c.agg) << " iters " << k.c.iters;
  }
  EXPECT_EQ(Aggregate(Aggregation::kPerplexity, ppl)->value, 176709.0723099051);
}

TEST(BootstrapTest, ParallelEqualsSequential) {
  std::vector<double> xs;
  for (int i = 0; i < 300; ++i) xs.push_back(std::sin(i) * 10);
  auto a = BootstrapReplicates(xs.size(), 20000, PerplexityStatistic(xs), /*parallel=*/true);
  auto b = BootstrapReplicates(xs.size(), 20000, PerplexityStatistic(xs), /*parallel=*/false);
  EXPECT_EQ(a, b);
  auto m1 = BootstrapStderr(xs.size(), 20000, MedianStatistic(xs), true);
  auto m2 = BootstrapStderr(xs.size(), 20000, MedianStatistic(xs), false);
  EXPECT_EQ(m1, m2);
}

TEST(BootstrapTest, MeanReplicatesAverageToTheMean) {
  // Sanity on the generic statistic: the mean of bootstrap means is close to the sample mean
  // and their SD is close to the closed-form stderr (0.5178...).
  auto reps = BootstrapReplicates(kValues.size(), 20000, MeanStatistic(kValues));
  EXPECT_NEAR(Mean(reps), Mean(kValues), 0.02);
  EXPECT_NEAR(*SampleStddev(reps), *MeanStderr(kValues), 0.03);
}

TEST(BootstrapTest, FullSizeRunIsFast) {
  // 100000 replicates of 2000 items, as lm-eval's default on a mid-size task.
  std::vector<double> xs;
  for (int i = 0; i < 2000; ++i) xs.push_back(-1.0 - (i % 17) * 0.25);
  auto t0 = std::chrono::steady_clock::now();
  auto se = BootstrapStderr(xs.size(), 100000, PerplexityStatistic(xs));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(se.has_value());
  EXPECT_GT(*se, 0.0);
  std::printf("bootstrap 100000 x 2000 (perplexity): %.2f s\n", secs);
  EXPECT_LT(secs, 60.0);
}

TEST(GroupTest, SizeWeightedMeanAndPooledStderr) {
  // (0.5, se 0.1, n 10) and (0.8, se 0.05, n 30):
  // weighted (0.5*10 + 0.8*30) / 40 = 0.725; unweighted (0.5 + 0.8) / 2 = 0.65;
  // pooled sqrt((9*0.01*10 + 29*0.0025*30) / (40 - 2) / 40) -- python3.11 prints
  // 0.04497806482930845.
  std::vector<SubtaskMetric> subs = {{0.5, 0.1, 10}, {0.8, 0.05, 30}};
  auto g = AggregateGroup(subs);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->value, 0.725);
  EXPECT_EQ(*g->stderr, 0.04497806482930845);
  EXPECT_EQ(g->n, 40u);
  auto u = AggregateGroup(subs, /*weight_by_size=*/false);
  EXPECT_EQ(u->value, 0.65);
  EXPECT_EQ(*u->stderr, 0.04497806482930845);  // pooled over the true sizes either way
}

TEST(GroupTest, PooledEqualsSubtaskStderrForOneSubtask) {
  // k = 1: sqrt((n-1) se^2 n / (n-1) / n) = se.
  EXPECT_NEAR(*PooledSampleStderr({0.25}, {4}), 0.25, 1e-16);
}

TEST(GroupTest, NotApplicable) {
  EXPECT_FALSE(AggregateGroup({{0.5, 0.1, 10}, {0.8, std::nullopt, 30}})->stderr.has_value());
  EXPECT_FALSE(PooledSampleStderr({0.1, 0.2}, {1, 1}).has_value());  // sum(n) - k == 0
  EXPECT_FALSE(AggregateGroup({}).ok());
}

}  // namespace
}  // namespace mnemo
