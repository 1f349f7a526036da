// Comparing two independent proportions k1/n1 (base) and k2/n2 (candidate): Fisher's exact
// test, two-sided (tables no more probable than the observed one, with a relative tolerance
// of 1e-7 as R's fisher.test), and Newcombe's (1998, method 10) hybrid score interval of the
// difference p2 − p1 built from the two Wilson intervals. For rates whose units are not paired
// (memorisation probes or eval items present on one side only).
//
// Thread-safety: pure functions.
#ifndef MNEMO_TASKS_STATS_TWO_PROPORTIONS_H_
#define MNEMO_TASKS_STATS_TWO_PROPORTIONS_H_

#include <cstdint>

#include "tasks/stats/paired_tests.h"

namespace mnemo {

// Two-sided p of Fisher's exact test on the table [[k1, n1-k1], [k2, n2-k2]]; 1 when either
// side is empty. Precondition: 0 <= k <= n on both sides.
double FisherExactP(int64_t k1, int64_t n1, int64_t k2, int64_t n2);

// method "fisher-exact", delta p2 − p1, the Newcombe interval, n = n1 + n2.
PairedTestResult TwoProportionTest(int64_t k1, int64_t n1, int64_t k2, int64_t n2);

}  // namespace mnemo

#endif  // MNEMO_TASKS_STATS_TWO_PROPORTIONS_H_
