// Intervals against independent values: Wilson's closed form evaluated by hand, Clopper-Pearson
// from R's binom.test (5/10, 1/20) and mpmath's regularised incomplete beta (3/7), the normal
// quantile through erfc.
#include <cmath>

#include <gtest/gtest.h>

#include "tasks/stats/intervals.h"

namespace mnemo {
namespace {

TEST(Z95, IsTheNormalQuantile) {
  EXPECT_NEAR(0.5 * std::erfc(-kZ95 / std::sqrt(2.0)), 0.975, 1e-15);
}

TEST(Wilson, KnownValues) {
  // p = 0.5, n = 10: centre 0.5, half-width z*sqrt(0.025 + z^2/400)/(1 + z^2/10).
  Interval a = WilsonInterval(5, 10);
  EXPECT_NEAR(a.low, 0.2365931, 1e-6);
  EXPECT_NEAR(a.high, 0.7634069, 1e-6);
  Interval b = WilsonInterval(0, 20);
  EXPECT_DOUBLE_EQ(b.low, 0.0);
  EXPECT_NEAR(b.high, 0.1611252, 1e-6);
  Interval c = WilsonInterval(20, 20);
  EXPECT_DOUBLE_EQ(c.high, 1.0);
  EXPECT_NEAR(c.low, 1.0 - 0.1611252, 1e-6);
  Interval e = WilsonInterval(0, 10);
  EXPECT_DOUBLE_EQ(e.low, 0.0);
  EXPECT_NEAR(e.high, 0.2775, 1e-4);
}

TEST(Wilson, NoTrialsIsTheWholeRange) {
  Interval d = WilsonInterval(0, 0);
  EXPECT_DOUBLE_EQ(d.low, 0.0);
  EXPECT_DOUBLE_EQ(d.high, 1.0);
}

TEST(ClopperPearson, KnownValues) {
  Interval a = ClopperPearsonInterval(5, 10);
  EXPECT_NEAR(a.low, 0.187086028447, 1e-9);
  EXPECT_NEAR(a.high, 0.812913971553, 1e-9);
  Interval b = ClopperPearsonInterval(1, 20);
  EXPECT_NEAR(b.low, 0.00126508949795, 1e-11);
  EXPECT_NEAR(b.high, 0.248732762772, 1e-9);
  Interval c = ClopperPearsonInterval(3, 7);
  EXPECT_NEAR(c.low, 0.0989882784425, 1e-9);
  EXPECT_NEAR(c.high, 0.81594843236, 1e-9);
  // Closed forms at the ends: 1 - (a/2)^(1/n) and (a/2)^(1/n).
  Interval z = ClopperPearsonInterval(0, 10);
  EXPECT_DOUBLE_EQ(z.low, 0.0);
  EXPECT_NEAR(z.high, 1.0 - std::pow(0.025, 0.1), 1e-12);
  Interval f = ClopperPearsonInterval(10, 10);
  EXPECT_NEAR(f.low, std::pow(0.025, 0.1), 1e-12);
  EXPECT_DOUBLE_EQ(f.high, 1.0);
  Interval none = ClopperPearsonInterval(0, 0);
  EXPECT_DOUBLE_EQ(none.low, 0.0);
  EXPECT_DOUBLE_EQ(none.high, 1.0);
}

TEST(ClopperPearson, IsWiderThanWilson) {
  for (int k : {1, 4, 9}) {
    Interval cp = ClopperPearsonInterval(k, 10), w = WilsonInterval(k, 10);
    EXPECT_LT(cp.low, w.low) << k;
    EXPECT_GT(cp.high, w.high) << k;
  }
}

TEST(NormalInterval, ValuePlusMinusZStderr) {
  Interval n = NormalInterval(0.5, 0.1);
  EXPECT_DOUBLE_EQ(n.low, 0.5 - kZ95 * 0.1);
  EXPECT_DOUBLE_EQ(n.high, 0.5 + kZ95 * 0.1);
}

}  // namespace
}  // namespace mnemo
