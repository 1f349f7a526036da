// Aggregations and standard errors with lm-evaluation-harness's definitions
// (shared/reference/eval-harnesses.md §2.4): mean with stderr = sample SD (Bessel) / sqrt(n), and
// lm-eval's median. The perplexities are AggregateFromSums (tasks/stats/aggregation.h); task
// aggregation with lm-eval's standard errors is tasks/metrics/aggregation.h.
//
// Sums run left to right in plain double arithmetic, as Python 3.11's sum() does (3.12+ uses
// compensated summation, which can differ in the last bits).
#ifndef MNEMO_TASKS_STATS_MEAN_H_
#define MNEMO_TASKS_STATS_MEAN_H_

#include <optional>
#include <vector>

namespace mnemo {

double Mean(const std::vector<double>& xs);  // 0 for an empty list
// lm-eval's median: sorted(xs)[n // 2], the upper median; NaN for an empty list.
double Median(std::vector<double> xs);
// Sample standard deviation / sqrt(n); empty when n <= 1 (lm-eval reports N/A).
std::optional<double> MeanStderr(const std::vector<double>& xs);
// lm-eval's sample_stddev: sqrt(sum((x - mean)^2) / (n - 1)); empty when n <= 1.
std::optional<double> SampleStddev(const std::vector<double>& xs);

}  // namespace mnemo

#endif  // MNEMO_TASKS_STATS_MEAN_H_
