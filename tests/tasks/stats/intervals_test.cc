// Intervals against independent values: Wilson's closed form evaluated by hand, Clopper-Pearson
// from R's binom.test (5/10, 1/20) and mpmath's regularised incomplete beta (3/7), the normal
// quantile through erfc.
#include <cmath>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

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

namespace mnemo {
namespace {

// The continuity-corrected score test's acceptance region, solved by bisection: the bounds are
// where |k - n*pi| - 1/2 = z*sqrt(n*pi*(1-pi)) (an independent route to Newcombe's closed form).
double CcRoot(int64_t k, int64_t n, bool lower) {
  auto excess = [&](double pi) {
    return std::fabs(static_cast<double>(k) - static_cast<double>(n) * pi) - 0.5 -
           kZ95 * std::sqrt(static_cast<double>(n) * pi * (1 - pi));
  };
  double phat = static_cast<double>(k) / static_cast<double>(n);
  double lo = lower ? 0.0 : phat, hi = lower ? phat : 1.0;  // excess > 0 at the far end
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    bool outside = excess(mid) > 0;
    if (lower == outside)
      lo = mid;
    else
      hi = mid;
  }
  return (lo + hi) / 2;
}

TEST(WilsonCC, EqualsTheInvertedContinuityCorrectedScoreTest) {
  for (int64_t n : {1, 2, 5, 10, 25, 40, 100, 263}) {
    for (int64_t k = 0; k <= n; ++k) {
      Interval iv = WilsonIntervalCC(k, n);
      if (k == 0) {
        EXPECT_EQ(iv.low, 0.0);
      } else {
        EXPECT_NEAR(iv.low, std::max(0.0, CcRoot(k, n, true)), 1e-9) << k << "/" << n;
      }
      if (k == n) {
        EXPECT_EQ(iv.high, 1.0);
      } else {
        EXPECT_NEAR(iv.high, std::min(1.0, CcRoot(k, n, false)), 1e-9) << k << "/" << n;
      }
      // Wider than the plain Wilson interval: the correction only widens.
      Interval w = WilsonInterval(k, n);
      EXPECT_LE(iv.low, w.low + 1e-12);
      EXPECT_GE(iv.high, w.high - 1e-12);
    }
  }
}

}  // namespace
}  // namespace mnemo
