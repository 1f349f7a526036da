// Aggregations and standard errors with lm-evaluation-harness's definitions
// (shared/reference/eval-harnesses.md §2.4): mean with stderr = sample SD (Bessel) / sqrt(n).
#ifndef MNEMO_TASKS_METRICS_H_
#define MNEMO_TASKS_METRICS_H_

#include <optional>
#include <vector>

namespace mnemo {

double Mean(const std::vector<double>& xs);  // 0 for an empty list
// Sample standard deviation / sqrt(n); empty when n <= 1 (lm-eval reports N/A).
std::optional<double> MeanStderr(const std::vector<double>& xs);

}  // namespace mnemo

#endif  // MNEMO_TASKS_METRICS_H_
