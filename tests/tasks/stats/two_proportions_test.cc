// Fisher's exact test against exact rational arithmetic (Python's math.comb) and R's
// fisher.test; Newcombe's interval against his published example (Newcombe 1998, Stat Med
// 17:873, table II: 56/70 − 48/80, method 10: 0.0524 to 0.3339).
#include "tasks/stats/two_proportions.h"

#include <gtest/gtest.h>

namespace mnemo {
namespace {

TEST(TwoProportions, FisherExactP) {
  EXPECT_NEAR(FisherExactP(3, 4, 1, 4), 0.4857142857142857, 1e-12);  // the tea tasting
  EXPECT_NEAR(FisherExactP(0, 10, 10, 10), 1.082508822446903e-05, 1e-15);
  EXPECT_NEAR(FisherExactP(5, 60, 30, 60), 6.13932921048125e-07, 1e-15);
  EXPECT_NEAR(FisherExactP(48, 80, 56, 70), 0.012521129749209154, 1e-12);
  EXPECT_DOUBLE_EQ(FisherExactP(4, 8, 4, 8), 1.0);
  EXPECT_DOUBLE_EQ(FisherExactP(0, 0, 3, 5), 1.0);  // an empty side: no evidence
}

TEST(TwoProportions, NewcombeIntervalOfTheDifference) {
  PairedTestResult r = TwoProportionTest(48, 80, 56, 70);  // base 48/80, candidate 56/70
  EXPECT_EQ(r.method, "fisher-exact");
  EXPECT_NEAR(r.delta, 0.2, 1e-12);
  EXPECT_NEAR(r.ci_low, 0.0524, 5e-5);
  EXPECT_NEAR(r.ci_high, 0.3339, 5e-5);
  EXPECT_EQ(r.n, 150);
  // Never outside [-1, 1], even at the extremes.
  r = TwoProportionTest(0, 5, 5, 5);
  EXPECT_GE(r.ci_low, -1.0);
  EXPECT_LE(r.ci_high, 1.0);
  EXPECT_GT(r.ci_low, 0.0);
}

}  // namespace
}  // namespace mnemo
