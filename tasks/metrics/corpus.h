// Corpus-level aggregations with lm-eval's definitions (lm_eval/api/metrics.py at 4e7e0d47).
// Each takes the per-document items lm-eval's process_results emits and returns the task score.
// Sums run left to right in plain doubles (Python 3.11's sum()). An empty input, on which
// lm-eval raises, gives NaN here.
#ifndef MNEMO_TASKS_METRICS_CORPUS_H_
#define MNEMO_TASKS_METRICS_CORPUS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/status.h"
#include "tasks/stats/bootstrap.h"

namespace mnemo {

// loglikelihood_rolling per-document counts (Task.count_words / count_bytes).
size_t CountWords(std::string_view text);  // len(re.split(r"\s+", text)); "" and " a " count 1, 3
size_t CountBytes(std::string_view text);  // len(text.encode("utf-8"))

// (loglikelihood, words or bytes) for one document.
struct LlCount {
  double ll;
  int64_t count;
};
// A (gold, pred) pair, as the f1 and mcc metrics emit them.
struct GoldPred {
  int64_t gold;
  int64_t pred;
};
// A (gold, softmax(lls)) pair, as brier_score emits them.
struct BrierItem {
  int64_t gold;
  std::vector<double> probs;
};

// The perplexities of lm-eval, computed by tasks/stats (AggregateFromSums); the median is
// tasks/stats/mean.h's Median. weighted_mean = sum(ll) / sum(count).
double Perplexity(const std::vector<double>& lls);             // exp(-mean(lls))
double WeightedPerplexity(const std::vector<LlCount>& items);  // exp(-weighted_mean)
double BitsPerByte(const std::vector<LlCount>& items);         // -weighted_mean / ln 2
// word_perplexity and byte_perplexity are WeightedPerplexity over (ll, words) / (ll, bytes).

// sklearn.metrics.f1_score(golds, preds) (average="binary", pos_label=1, zero_division -> 0):
// 2tp / (2tp + fp + fn). Like sklearn, an error when the labels are not binary (more than two
// distinct values, or two without 1).
Result<double> F1Score(const std::vector<GoldPred>& items);
Status CheckBinaryLabels(const std::vector<GoldPred>& items);
// sklearn.metrics.matthews_corrcoef(golds, preds), multiclass form, in sklearn's float64 order;
// 0 when either marginal is constant.
double MatthewsCorrcoef(const std::vector<GoldPred>& items);
// Their bootstrap statistics (tasks/stats/bootstrap.h); F1Statistic's items must pass
// CheckBinaryLabels.
StatisticFactory F1Statistic(const std::vector<GoldPred>& items);
StatisticFactory MccStatistic(const std::vector<GoldPred>& items);

// lm-eval's brier_score aggregation: mean over documents of sum((p - onehot(gold))^2), with
// numpy's pairwise summation. Every document must have the same number of choices; a gold in
// [-k, -1] indexes from the end as numpy does. Agreement with lm-eval is to rounding only:
// numpy's exp (in softmax) may differ from libm's in the last bit.
Result<double> BrierScore(const std::vector<BrierItem>& items);

// A (references, prediction) pair, as the bleu, chrf and ter metrics emit them (a single
// reference is a list of one).
struct TranslationItem {
  std::vector<std::string> refs;
  std::string pred;
};
// lm-eval's _sacreformat: the items as sacrebleu's (hypotheses, reference streams). Like its
// zip(*refs), the number of streams is the smallest reference count of any item.
void SacreFormat(const std::vector<TranslationItem>& items, std::vector<std::string>* hyps,
                 std::vector<std::vector<std::string>>* ref_streams);

// numpy's pairwise summation of a contiguous float64 array (np.sum / np.mean).
double NumpySum(const double* x, size_t n);

}  // namespace mnemo

#endif  // MNEMO_TASKS_METRICS_CORPUS_H_
