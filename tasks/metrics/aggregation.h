// Task and group aggregation with lm-eval's standard errors (evaluator_utils.py
// _compute_task_aggregations, metrics.py stderr_for_metric, group.py, at 4e7e0d47).
//
// Task stderr, as stderr_for_metric decides it:
//   mean                            sample SD (Bessel) / sqrt(n)
//   median, perplexity, f1, mcc     bootstrap (tasks/stats/bootstrap.h), `bootstrap_iters`
//   iterations weighted_perplexity, bits_per_byte, brier_score   none ("N/A")
//   bleu, chrf, ter                 bootstrap with min(bootstrap_iters, 100) iterations
//                                   (evaluator_utils.py caps them: a corpus score per replicate)
// and none at all when bootstrap_iters <= 0 or n <= 1.
//
// Group (lm-eval's aggregate_metric_list with aggregation mean):
//   value  = sum(m_i * n_i) / sum(n_i), or the plain mean of the m_i when !weight_by_size;
//   stderr = pooled_sample_stderr = sqrt( sum((n_i - 1) * se_i^2 * n_i) / (sum(n_i) - k)
//            / sum(n_i) ) over the k subtasks, with the true sizes even when not weighting;
//            none if any subtask has none (or when sum(n_i) == k, where lm-eval divides by 0).
// This formula is the reference survey's (§2.4) and group.py's. The Aggregation enum, its names
// and lm-eval's default per metric are tasks/stats/aggregation.h's.
#ifndef MNEMO_TASKS_METRICS_AGGREGATION_H_
#define MNEMO_TASKS_METRICS_AGGREGATION_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "harness/core/status.h"
#include "tasks/metrics/corpus.h"
#include "tasks/stats/aggregation.h"

namespace mnemo {

// Per-document items of one metric; the aggregation reads the member its kind needs:
// values (mean, median, perplexity), weighted (weighted_perplexity, bits_per_byte),
// pairs (f1, mcc), brier (brier_score), translation (bleu, chrf, ter).
struct MetricItems {
  std::vector<double> values;
  std::vector<LlCount> weighted;
  std::vector<GoldPred> pairs;
  std::vector<BrierItem> brier;
  std::vector<TranslationItem> translation;
};

struct AggregateResult {
  double value = 0;
  std::optional<double> stderr;  // empty = lm-eval's "N/A"
  size_t n = 0;                  // items aggregated (lm-eval's sample_len)
};

inline constexpr int kDefaultBootstrapIters = 100000;
// lm-eval's bootstrap cap for the corpus translation scores.
inline constexpr int kTranslationBootstrapIters = 100;

// Errors: no items, f1 labels that are not binary, or a translation item without references.
Result<AggregateResult> Aggregate(Aggregation a, const MetricItems& items,
                                  int bootstrap_iters = kDefaultBootstrapIters,
                                  bool parallel = true);

struct SubtaskMetric {
  double value;
  std::optional<double> stderr;
  int64_t size;
};

// lm-eval's aggregate_subtask_metrics; NaN when the (weighted) total is 0.
double AggregateSubtaskMetrics(const std::vector<double>& values, const std::vector<int64_t>& sizes,
                               bool weight_by_size = true);
// lm-eval's pooled_sample_stderr; empty when sum(sizes) == k or sizes are empty.
std::optional<double> PooledSampleStderr(const std::vector<double>& stderrs,
                                         const std::vector<int64_t>& sizes);
// Both of the above for a group; n = sum of sizes. Error when there are no subtasks.
Result<AggregateResult> AggregateGroup(const std::vector<SubtaskMetric>& subtasks,
                                       bool weight_by_size = true);

}  // namespace mnemo

#endif  // MNEMO_TASKS_METRICS_AGGREGATION_H_
