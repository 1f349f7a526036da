// How a metric's per-sample values become its score, for the aggregations a paired test can
// recompute on resampled documents (lm-eval's names: mean, median, perplexity,
// weighted_perplexity, bits_per_byte).
//
// A per-sample value is `x` (a 0/1 outcome, a score or a log-likelihood) with a weight `w`
// (word or byte count for the weighted aggregations; 1 otherwise).
#ifndef MNEMO_REPORTS_STATS_AGGREGATION_H_
#define MNEMO_REPORTS_STATS_AGGREGATION_H_

#include <string>
#include <vector>

namespace mnemo::reports {

enum class Aggregation { kMean, kMedian, kPerplexity, kWeightedPerplexity, kBitsPerByte, kNone };

// lm-eval's aggregation name → enum; kNone for names no paired test supports (f1, mcc, ...).
Aggregation AggregationFromName(const std::string& name);
const char* AggregationName(Aggregation a);
// The aggregation lm-eval uses by default for a metric name; kNone when unknown.
Aggregation DefaultAggregationForMetric(const std::string& metric);

struct SampleValue {
  double x = 0;
  double w = 1;
};

// Running sums that the sum-based aggregations need.
struct AggregateSums {
  double sum_x = 0;
  double sum_w = 0;
  double n = 0;
};

// The score from sums (not for kMedian / kNone: NaN).
double AggregateFromSums(Aggregation a, const AggregateSums& s);
// The score of a list of values (every aggregation but kNone; NaN when empty).
double AggregateValues(Aggregation a, const std::vector<SampleValue>& v);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_STATS_AGGREGATION_H_
