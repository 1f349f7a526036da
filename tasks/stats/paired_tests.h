// Paired significance tests for comparing two models on the same documents.
//
// McNemar for 0/1 outcomes (exact binomial when there are fewer than 25 discordant pairs,
// else chi-square with continuity correction), and a paired bootstrap for any aggregation in
// aggregation.h that IsRecomputable: documents are resampled with replacement, the same draw for
// both sides, and the delta (candidate − base) is recomputed. The bootstrap RNG is a fixed-seed
// SplitMix64 with Lemire's bounded draw, so results are identical on every platform.
#ifndef MNEMO_TASKS_STATS_PAIRED_TESTS_H_
#define MNEMO_TASKS_STATS_PAIRED_TESTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tasks/stats/aggregation.h"

namespace mnemo {

struct PairedTestResult {
  std::string method;  // "mcnemar-exact", "mcnemar-chi2", "paired-bootstrap",
                       // "permutation-exact", "fisher-exact", "none"
  double p_value = 1;  // two-sided; 1 when no test could run
  double delta = 0;    // candidate − base on the shared documents
  // 95% interval of the delta from the test that gives p_value, so it excludes 0 exactly when
  // p < 0.05 (McNemar: the discordant share's exact or continuity-corrected score interval,
  // mapped to the delta; bootstrap: percentiles; permutation: none, NaN).
  double ci_low = 0;
  double ci_high = 0;
  int64_t n = 0;               // shared documents
  int64_t base_only = 0;       // McNemar: base right, candidate wrong
  int64_t candidate_only = 0;  // McNemar: candidate right, base wrong
};

// Exact two-sided McNemar p-value for discordant counts b and c: 2·P(X ≤ min(b,c)),
// X ~ Binomial(b+c, 1/2), capped at 1.
double McNemarExactP(int64_t b, int64_t c);
// Chi-square (1 df) with continuity correction.
double McNemarChi2P(int64_t b, int64_t c);

// `base` and `candidate` are 0/1 outcomes of the same documents, aligned.
PairedTestResult McNemarTest(const std::vector<double>& base, const std::vector<double>& candidate);

struct BootstrapOptions {
  int iterations = 1000;
  uint64_t seed = 1234;
};

// Paired bootstrap of agg(candidate) − agg(base) over aligned documents. The p-value is the
// two-sided percentile p: 2·min(#(Δ* ≤ 0), #(Δ* ≥ 0)) / B, with +1 smoothing, capped at 1.
PairedTestResult PairedBootstrap(Aggregation agg, const std::vector<SampleValue>& base,
                                 const std::vector<SampleValue>& candidate,
                                 const BootstrapOptions& options);

// Exact paired permutation (randomisation) test, for few documents: each of the 2^n ways of
// swapping the two sides' values within documents, agg(candidate) − agg(base) recomputed; p is
// the share of them whose |delta| is at least the observed one (with a 1e-12 relative
// tolerance). The smallest possible p is 2 / 2^n: three documents can never reach 0.05, which
// a bootstrap of three documents claims. No interval belongs to it: ci_low and ci_high are NaN.
// Precondition: n <= kMaxExactPermutationDocs.
inline constexpr size_t kMaxExactPermutationDocs = 12;
PairedTestResult PairedPermutationExact(Aggregation agg, const std::vector<SampleValue>& base,
                                        const std::vector<SampleValue>& candidate);

// True when every value is 0 or 1 (McNemar applies to a mean of such values).
bool AllBinary(const std::vector<SampleValue>& v);

}  // namespace mnemo

#endif  // MNEMO_TASKS_STATS_PAIRED_TESTS_H_
