// lm-eval's bootstrap standard error (lm_eval/api/metrics.py: bootstrap_stderr): replicates are
// drawn in chunks of min(1000, iters), iters // chunk chunks in all (so 2500 iterations give
// 2000 replicates); chunk i draws each replicate with random.Random(i).choices(xs, k=len(xs));
// the statistic is computed per replicate; the stderr is the sample SD (Bessel) of the
// replicate statistics, with no division by sqrt(n).
//
// Replicates are index lists into the items, in draw order (sums follow that order, as
// Python's do). Chunks may run in parallel on oneTBB: each chunk has its own seed and writes its
// own slice, and the SD is then taken sequentially, so the result is identical either way.
#ifndef MNEMO_TASKS_STATS_BOOTSTRAP_H_
#define MNEMO_TASKS_STATS_BOOTSTRAP_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace mnemo {

// One worker's statistic; it may keep scratch space between calls (one instance per thread).
class ReplicateStatistic {
 public:
  virtual ~ReplicateStatistic() = default;
  // The statistic of the replicate items[idx[0]], ..., items[idx[n-1]].
  virtual double Compute(const uint32_t* idx, size_t n) = 0;
};
using StatisticFactory = std::function<std::unique_ptr<ReplicateStatistic>()>;

// All replicate statistics, chunk by chunk. Empty when iters <= 0 or n == 0.
std::vector<double> BootstrapReplicates(size_t n, int iters, const StatisticFactory& make,
                                        bool parallel = true);
// Sample SD of the replicates; empty (lm-eval's "N/A" or an error there) with < 2 replicates.
std::optional<double> BootstrapStderr(size_t n, int iters, const StatisticFactory& make,
                                      bool parallel = true);

// Statistics for lm-eval's bootstrappable aggregations of plain values. The factories copy what
// they need. F1 and MCC over (gold, pred) pairs are in tasks/metrics/corpus.h.
StatisticFactory MedianStatistic(const std::vector<double>& xs);       // sorted(r)[n // 2]
StatisticFactory MeanStatistic(const std::vector<double>& xs);         // sum(r) / n
StatisticFactory PerplexityStatistic(const std::vector<double>& lls);  // exp(-mean(r))

}  // namespace mnemo

#endif  // MNEMO_TASKS_STATS_BOOTSTRAP_H_
