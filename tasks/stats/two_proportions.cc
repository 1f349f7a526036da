#include "tasks/stats/two_proportions.h"

#include <algorithm>
#include <cmath>

#include "tasks/stats/intervals.h"

namespace mnemo {
namespace {

double LogChoose(int64_t n, int64_t k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

}  // namespace

double FisherExactP(int64_t k1, int64_t n1, int64_t k2, int64_t n2) {
  if (n1 <= 0 || n2 <= 0) return 1.0;
  const int64_t successes = k1 + k2, total = n1 + n2;
  // X = successes on side 1, hypergeometric given the margins.
  const int64_t lo = std::max<int64_t>(0, successes - n2), hi = std::min(successes, n1);
  auto log_p = [&](int64_t x) {
    return LogChoose(n1, x) + LogChoose(n2, successes - x) - LogChoose(total, successes);
  };
  const double observed = log_p(k1);
  double p = 0;
  for (int64_t x = lo; x <= hi; ++x) {
    const double lx = log_p(x);
    if (lx <= observed + 1e-7 * std::fabs(observed) + 1e-12) p += std::exp(lx);
  }
  return std::min(1.0, p);
}

PairedTestResult TwoProportionTest(int64_t k1, int64_t n1, int64_t k2, int64_t n2) {
  PairedTestResult r;
  r.method = "fisher-exact";
  r.n = n1 + n2;
  r.p_value = FisherExactP(k1, n1, k2, n2);
  if (n1 <= 0 || n2 <= 0) return r;
  const double p1 = static_cast<double>(k1) / static_cast<double>(n1);
  const double p2 = static_cast<double>(k2) / static_cast<double>(n2);
  const Interval w1 = WilsonInterval(k1, n1), w2 = WilsonInterval(k2, n2);
  r.delta = p2 - p1;
  r.ci_low = r.delta - std::sqrt((p2 - w2.low) * (p2 - w2.low) + (w1.high - p1) * (w1.high - p1));
  r.ci_high = r.delta + std::sqrt((w2.high - p2) * (w2.high - p2) + (p1 - w1.low) * (p1 - w1.low));
  return r;
}

}  // namespace mnemo
