// Confidence intervals, with the one z every engine uses (kZ95).
//
//   Wilson (1927) score interval for a binomial proportion: well behaved at 0 and 1 and for
//     small n, where the normal approximation collapses to a point. The memorisation audit's
//     rates and the report's recomputed rates use it.
//   Clopper-Pearson (1934) exact interval: the Beta quantiles B(a/2; k, n-k+1) and
//     B(1-a/2; k+1, n-k) (Boost.Math's ibeta_inv); never narrower than the nominal coverage.
//   Wilson with continuity correction (Newcombe 1998, method 4): the inversion of the score
//     test with Yates's correction, so it excludes a value exactly when that chi-square test
//     rejects it (McNemar's chi-square on the discordant pairs uses it).
//   Normal interval value ± z·stderr: what the report prints beside an lm-eval stderr.
//
// Thread-safety: pure functions.
#ifndef MNEMO_TASKS_STATS_INTERVALS_H_
#define MNEMO_TASKS_STATS_INTERVALS_H_

#include <cstdint>

namespace mnemo {

// The two-sided 95% standard normal quantile, Φ⁻¹(0.975).
inline constexpr double kZ95 = 1.959963984540054;

struct Interval {
  double low = 0.0;
  double high = 0.0;
};

// The interval for k successes in n trials at z; [0, 1] when n <= 0. Precondition: 0 <= k <= n.
Interval WilsonInterval(int64_t k, int64_t n, double z = kZ95);
// The continuity-corrected Wilson interval; [0, 1] when n <= 0. Precondition: 0 <= k <= n.
Interval WilsonIntervalCC(int64_t k, int64_t n, double z = kZ95);
// The exact interval at confidence 1 - alpha; [0, 1] when n <= 0. Precondition: 0 <= k <= n.
Interval ClopperPearsonInterval(int64_t k, int64_t n, double alpha = 0.05);
// value ± z·stderr.
Interval NormalInterval(double value, double stderr_value, double z = kZ95);

}  // namespace mnemo

#endif  // MNEMO_TASKS_STATS_INTERVALS_H_
