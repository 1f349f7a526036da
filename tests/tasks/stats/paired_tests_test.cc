#include <cmath>

#include <gtest/gtest.h>

#include "tasks/stats/aggregation.h"
#include "tasks/stats/paired_tests.h"

namespace mnemo {
namespace {

TEST(McNemar, ExactMatchesBinomialTail) {
  // b=0, c=10: 2 * 0.5^10.
  EXPECT_NEAR(McNemarExactP(0, 10), 2.0 / 1024, 1e-12);
  // b=c: p capped at 1.
  EXPECT_DOUBLE_EQ(McNemarExactP(5, 5), 1.0);
  EXPECT_DOUBLE_EQ(McNemarExactP(0, 0), 1.0);
  // b=2, c=8: 2 * (1 + 10 + 45) / 1024 (scipy.stats.binomtest(2, 10).pvalue = 0.109375).
  EXPECT_NEAR(McNemarExactP(2, 8), 0.109375, 1e-12);
}

TEST(McNemar, ChiSquareWithContinuityCorrection) {
  // (|30-10|-1)^2/40 = 9.025; survival of chi2(1) = 0.002663 (scipy.stats.chi2.sf).
  EXPECT_NEAR(McNemarChi2P(30, 10), 0.0026631, 1e-6);
}

TEST(McNemar, PicksExactBelow25DiscordantPairs) {
  std::vector<double> base(100, 1.0), cand(100, 1.0);
  for (int i = 0; i < 10; ++i) cand[i] = 0.0;  // candidate loses 10
  PairedTestResult r = McNemarTest(base, cand);
  EXPECT_EQ(r.method, "mcnemar-exact");
  EXPECT_EQ(r.base_only, 10);
  EXPECT_EQ(r.candidate_only, 0);
  EXPECT_NEAR(r.delta, -0.1, 1e-12);
  EXPECT_NEAR(r.p_value, 2.0 / 1024, 1e-12);
  EXPECT_LT(r.ci_high, 0.0);
  for (int i = 0; i < 40; ++i) cand[i] = 0.0;
  EXPECT_EQ(McNemarTest(base, cand).method, "mcnemar-chi2");
}

// The interval shown beside McNemar's p inverts the same test: it excludes 0 exactly when
// p < 0.05, on both sides of the exact/chi-square switch (25 discordant pairs).
TEST(McNemar, IntervalExcludesZeroExactlyWhenPIsBelowFivePercent) {
  int checked = 0, significant = 0;
  for (int b = 0; b <= 45; ++b)
    for (int c = 0; c <= 45; ++c) {
      std::vector<double> base(200, 1.0), cand(200, 1.0);
      for (int i = 0; i < b; ++i) cand[i] = 0.0;        // base right only
      for (int i = 0; i < c; ++i) base[100 + i] = 0.0;  // candidate right only
      PairedTestResult r = McNemarTest(base, cand);
      ASSERT_EQ(r.base_only, b);
      ASSERT_EQ(r.candidate_only, c);
      if (std::fabs(r.p_value - 0.05) < 1e-9) continue;  // on the boundary
      bool excludes = r.ci_low > 0 || r.ci_high < 0;
      EXPECT_EQ(excludes, r.p_value < 0.05) << "b=" << b << " c=" << c << " p=" << r.p_value << " ["
                                            << r.ci_low << ", " << r.ci_high << "]";
      EXPECT_LE(r.ci_low, r.delta + 1e-12);
      EXPECT_GE(r.ci_high, r.delta - 1e-12);
      ++checked;
      significant += r.p_value < 0.05;
    }
  EXPECT_GT(checked, 2000);
  EXPECT_GT(significant, 500);
}

TEST(PairedBootstrap, DeterministicAndDetectsShift) {
  std::vector<SampleValue> base, cand;
  for (int i = 0; i < 500; ++i) {
    double x = std::sin(i * 0.7) * 0.5;
    base.push_back({x, 1});
    cand.push_back({x - 0.2 + 0.05 * std::cos(i * 1.3), 1});
  }
  BootstrapOptions o;
  o.iterations = 500;
  PairedTestResult a = PairedBootstrap(Aggregation::kMean, base, cand, o);
  PairedTestResult b = PairedBootstrap(Aggregation::kMean, base, cand, o);
  EXPECT_EQ(a.p_value, b.p_value);
  EXPECT_EQ(a.ci_low, b.ci_low);
  EXPECT_NEAR(a.delta, -0.2, 0.01);
  EXPECT_LT(a.p_value, 0.01);
  EXPECT_LT(a.ci_high, 0.0);
  // Identical sides: delta 0, p = 1.
  PairedTestResult same = PairedBootstrap(Aggregation::kMean, base, base, o);
  EXPECT_EQ(same.delta, 0.0);
  EXPECT_DOUBLE_EQ(same.p_value, 1.0);
}

TEST(PairedBootstrap, WeightedPerplexity) {
  std::vector<SampleValue> base = {{-200, 100}, {-210, 100}, {-190, 100}};
  std::vector<SampleValue> cand = {{-300, 100}, {-310, 100}, {-290, 100}};
  BootstrapOptions o;
  o.iterations = 200;
  PairedTestResult r = PairedBootstrap(Aggregation::kWeightedPerplexity, base, cand, o);
  EXPECT_NEAR(r.delta, std::exp(3.0) - std::exp(2.0), 1e-9);
  EXPECT_GT(r.ci_low, 0.0);
}

TEST(Aggregation, Values) {
  std::vector<SampleValue> v = {{1, 1}, {0, 1}, {1, 1}, {1, 1}};
  EXPECT_DOUBLE_EQ(AggregateValues(Aggregation::kMean, v), 0.75);
  EXPECT_DOUBLE_EQ(AggregateValues(Aggregation::kMedian, v), 1.0);
  // lm-eval's median is sorted(arr)[n // 2], not statistics.median's midpoint (2.5).
  EXPECT_DOUBLE_EQ(AggregateValues(Aggregation::kMedian, {{1, 1}, {4, 1}, {2, 1}, {3, 1}}), 3.0);
  EXPECT_NEAR(AggregateValues(Aggregation::kBitsPerByte, {{-std::log(2.0) * 8, 8}}), 1.0, 1e-12);
  EXPECT_FALSE(IsRecomputable(ParseAggregation("f1").value()));
  EXPECT_FALSE(ParseAggregation("my_custom_agg").ok());
  EXPECT_EQ(DefaultAggregationFor("word_perplexity"), Aggregation::kWeightedPerplexity);
}

// Issue 17, item 7: three documents cannot support significance. The paired bootstrap of
// three documents that all improve claims p < 0.05; the exact permutation test gives 2/8.
TEST(PairedPermutationExact, FewDocumentsCannotBeSignificant) {
  // Per-document log-likelihoods (x) and word counts (w), word perplexity aggregated.
  std::vector<SampleValue> base = {{-120, 40}, {-95, 30}, {-150, 50}};
  std::vector<SampleValue> cand = {{-110, 40}, {-90, 30}, {-140, 50}};
  PairedTestResult boot =
      PairedBootstrap(Aggregation::kWeightedPerplexity, base, cand, BootstrapOptions());
  EXPECT_LT(boot.p_value, 0.05);  // the claim the comparison no longer makes
  PairedTestResult exact = PairedPermutationExact(Aggregation::kWeightedPerplexity, base, cand);
  EXPECT_EQ(exact.method, "permutation-exact");
  EXPECT_DOUBLE_EQ(exact.p_value, 2.0 / 8);  // only the observed split and its mirror
  EXPECT_EQ(exact.n, 3);
  EXPECT_NEAR(exact.delta, boot.delta, 1e-12);
  EXPECT_TRUE(std::isnan(exact.ci_low));
  // Ten documents that all improve: 2 / 1024.
  std::vector<SampleValue> b10, c10;
  for (int i = 0; i < 10; ++i) {
    b10.push_back({0.5 + 0.01 * i, 1});
    c10.push_back({0.6 + 0.01 * i, 1});
  }
  EXPECT_DOUBLE_EQ(PairedPermutationExact(Aggregation::kMean, b10, c10).p_value, 2.0 / 1024);
  // Identical sides: every assignment is as extreme as the observed zero.
  EXPECT_DOUBLE_EQ(PairedPermutationExact(Aggregation::kMean, b10, b10).p_value, 1.0);
}

}  // namespace
}  // namespace mnemo
