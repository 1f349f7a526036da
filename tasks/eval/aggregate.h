// Glue between the evaluator and the metric library (tasks/metrics/): which metrics exist for
// which output type, their defaults, per-sample values and their aggregation.
#ifndef MNEMO_TASKS_EVAL_AGGREGATE_H_
#define MNEMO_TASKS_EVAL_AGGREGATE_H_

#include <string>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/config/task_config.h"
#include "tasks/metrics/aggregation.h"
#include "tasks/metrics/choice.h"

namespace mnemo {

// One document's value of one metric: a number, an (ll, count) pair, a (gold, pred) pair, a
// Brier item or a (references, prediction) item, as lm-eval's process_results returns them.
struct MetricSample {
  enum class Kind { kScalar, kWeighted, kPair, kBrier, kTranslation } kind = Kind::kScalar;
  double x = 0;
  LlCount weighted{0, 0};
  GoldPred pair{0, 0};
  BrierItem brier;
  TranslationItem translation;
  bool refs_listed = false;  // the gold was a list (else one reference, stored as a string)
  static MetricSample Scalar(double v);
  static MetricSample Weighted(double ll, int64_t count);
  static MetricSample Pair(int64_t gold, int64_t pred);
  // bleu/chrf/ter's passthrough item [gold, pred]: `gold` a string (one reference) or a list of
  // references; any other JSON value is one reference, its text as TargetText gives it.
  static MetricSample Translation(const nlohmann::json& gold, std::string pred);
  nlohmann::json ToJson() const;
};

class MetricValues {
 public:
  void Add(const MetricSample& s);
  size_t size() const { return n_; }
  const MetricItems& items() const { return items_; }

 private:
  MetricItems items_;
  size_t n_ = 0;
};

// lm-eval's default aggregation name for a metric; empty for an unknown metric.
std::string DefaultAggregation(const std::string& metric);
bool DefaultHigherIsBetter(const std::string& metric);
std::string KnownMetricNames();
// Refuses a metric the output type cannot produce (e.g. word_perplexity on multiple_choice).
Status CheckMetricFits(const MetricSpec& m, OutputType t, const std::string& where);
// The per-document value of a multiple-choice metric.
Result<MetricSample> ChoiceMetricSample(const std::string& metric, const ChoiceScores& s,
                                        const ChoiceGold& gold);

struct AggregateValue {
  double value = 0;
  std::optional<double> stderr_value;
};
Result<AggregateValue> Aggregate(const std::string& aggregation, const MetricValues& values,
                                 int bootstrap_iters);

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_AGGREGATE_H_
