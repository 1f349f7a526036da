// The aggregation of a metric: lm-eval's names, the enum every engine uses, lm-eval's default
// aggregation per builtin metric, and the recompute from per-document values that paired tests
// need. Task and group aggregation with lm-eval's standard errors (over MetricItems) is in
// tasks/metrics/aggregation.h.
//
// A per-document value is `x` (a 0/1 outcome, a score or a log-likelihood) with a weight `w`
// (word or byte count for the weighted aggregations; 1 otherwise).
//
// Thread-safety: pure functions.
#ifndef MNEMO_TASKS_STATS_AGGREGATION_H_
#define MNEMO_TASKS_STATS_AGGREGATION_H_

#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo {

enum class Aggregation {
  kMean,
  kMedian,
  kPerplexity,
  kWeightedPerplexity,
  kBitsPerByte,
  kF1,
  kMcc,
  kBrierScore,
  kBleu,  // corpus scores over (references, prediction) items
  kChrf,
  kTer,
};

// lm-eval's registry names: mean, median, perplexity, weighted_perplexity, bits_per_byte, f1,
// matthews_corrcoef (also "mcc"), brier_score, bleu, chrf, ter. Anything else (a custom !function)
// is an error.
Result<Aggregation> ParseAggregation(std::string_view name);
const char* AggregationName(Aggregation a);
// The aggregation lm-eval registers for a builtin metric (acc -> mean, word_perplexity ->
// weighted_perplexity, mcc -> matthews_corrcoef, bleu -> bleu, ...); unknown metrics get mean, as
// lm-eval falls back to mean with a warning.
Aggregation DefaultAggregationFor(std::string_view metric);
// The aggregation of `metric` in a task job: the job config's metric_list entry when it names
// one, else DefaultAggregationFor(metric). nullopt for an aggregation mnemo does not know (a
// custom function), which nothing may recompute.
std::optional<Aggregation> AggregationForJobMetric(const nlohmann::json& job_config,
                                                   std::string_view metric);
// Whether lm-eval bootstraps this aggregation's stderr.
bool IsBootstrapped(Aggregation a);
// Whether the score can be recomputed from per-document SampleValues (mean, median and the
// perplexities; not f1, mcc, brier_score, bleu, chrf or ter, whose items are pairs, vectors or
// texts).
bool IsRecomputable(Aggregation a);

struct SampleValue {
  double x = 0;
  double w = 1;
};

// The value of `metric` in one document's stored data (the evaluator's sample data_json:
// "<metric>": a number or bool, or [log-likelihood, count] for the weighted aggregations), read
// as `agg` expects; nullopt when absent or of another shape.
std::optional<SampleValue> SampleValueOf(const nlohmann::json& data, std::string_view metric,
                                         Aggregation agg);

// Running sums that the sum-based aggregations need.
struct AggregateSums {
  double sum_x = 0;
  double sum_w = 0;
  double n = 0;
};

// The score from sums: mean, perplexity, weighted_perplexity and bits_per_byte; NaN for the
// others and when there is nothing to divide by.
double AggregateFromSums(Aggregation a, const AggregateSums& s);
// The score of per-document values for an IsRecomputable aggregation (NaN otherwise, and when
// empty). The median is lm-eval's: sorted(values)[n // 2], the upper median.
double AggregateValues(Aggregation a, const std::vector<SampleValue>& v);

}  // namespace mnemo

#endif  // MNEMO_TASKS_STATS_AGGREGATION_H_
