#include "tasks/metrics/aggregation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "tasks/metrics/bleu.h"
#include "tasks/metrics/chrf.h"
#include "tasks/metrics/ter.h"
#include "tasks/stats/bootstrap.h"
#include "tasks/stats/mean.h"

namespace mnemo {

namespace {

using TranslationAggregation = Result<double> (*)(const std::vector<TranslationItem>&);

TranslationAggregation TranslationFn(Aggregation a) {
  if (a == Aggregation::kBleu) return &BleuAggregation;
  if (a == Aggregation::kChrf) return &ChrfAggregation;
  return &TerAggregation;
}

// The corpus score of a replicate: lm-eval calls the aggregation on rnd.choices(items).
class TranslationStatistic : public ReplicateStatistic {
 public:
  TranslationStatistic(TranslationAggregation fn,
                       std::shared_ptr<const std::vector<TranslationItem>> items)
      : fn_(fn), items_(std::move(items)) {}
  double Compute(const uint32_t* idx, size_t n) override {
    replicate_.clear();
    for (size_t i = 0; i < n; ++i) replicate_.push_back((*items_)[idx[i]]);
    auto r = fn_(replicate_);
    return r.ok() ? *r : std::numeric_limits<double>::quiet_NaN();
  }

 private:
  TranslationAggregation fn_;
  std::shared_ptr<const std::vector<TranslationItem>> items_;
  std::vector<TranslationItem> replicate_;
};

}  // namespace

Result<AggregateResult> Aggregate(Aggregation a, const MetricItems& items, int bootstrap_iters,
                                  bool parallel) {
  AggregateResult r;
  switch (a) {
    case Aggregation::kMean:
    case Aggregation::kMedian:
    case Aggregation::kPerplexity:
      r.n = items.values.size();
      break;
    case Aggregation::kWeightedPerplexity:
    case Aggregation::kBitsPerByte:
      r.n = items.weighted.size();
      break;
    case Aggregation::kF1:
    case Aggregation::kMcc:
      r.n = items.pairs.size();
      break;
    case Aggregation::kBrierScore:
      r.n = items.brier.size();
      break;
    case Aggregation::kBleu:
    case Aggregation::kChrf:
    case Aggregation::kTer:
      r.n = items.translation.size();
      break;
  }
  if (r.n == 0) {
    return Status::InvalidArgument(std::string("aggregation '") + AggregationName(a) +
                                   "': no items");
  }
  const bool want_se = bootstrap_iters > 0 && r.n > 1;
  switch (a) {
    case Aggregation::kMean:
      r.value = Mean(items.values);
      if (want_se) r.stderr = MeanStderr(items.values);
      break;
    case Aggregation::kMedian:
      r.value = Median(items.values);
      if (want_se)
        r.stderr = BootstrapStderr(r.n, bootstrap_iters, MedianStatistic(items.values), parallel);
      break;
    case Aggregation::kPerplexity:
      r.value = Perplexity(items.values);
      if (want_se)
        r.stderr =
            BootstrapStderr(r.n, bootstrap_iters, PerplexityStatistic(items.values), parallel);
      break;
    case Aggregation::kWeightedPerplexity:
      r.value = WeightedPerplexity(items.weighted);
      break;
    case Aggregation::kBitsPerByte:
      r.value = BitsPerByte(items.weighted);
      break;
    case Aggregation::kF1: {
      auto f = F1Score(items.pairs);
      if (!f.ok()) return f.status();
      r.value = *f;
      if (want_se)
        r.stderr = BootstrapStderr(r.n, bootstrap_iters, F1Statistic(items.pairs), parallel);
      break;
    }
    case Aggregation::kMcc:
      r.value = MatthewsCorrcoef(items.pairs);
      if (want_se)
        r.stderr = BootstrapStderr(r.n, bootstrap_iters, MccStatistic(items.pairs), parallel);
      break;
    case Aggregation::kBrierScore: {
      auto b = BrierScore(items.brier);
      if (!b.ok()) return b.status();
      r.value = *b;
      break;
    }
    case Aggregation::kBleu:
    case Aggregation::kChrf:
    case Aggregation::kTer: {
      const TranslationAggregation fn = TranslationFn(a);
      auto v = fn(items.translation);
      if (!v.ok()) return v.status();
      r.value = *v;
      if (want_se) {
        auto shared = std::make_shared<const std::vector<TranslationItem>>(items.translation);
        StatisticFactory make = [fn, shared] {
          return std::make_unique<TranslationStatistic>(fn, shared);
        };
        r.stderr = BootstrapStderr(r.n, std::min(bootstrap_iters, kTranslationBootstrapIters), make,
                                   parallel);
      }
      break;
    }
  }
  return r;
}

double AggregateSubtaskMetrics(const std::vector<double>& values, const std::vector<int64_t>& sizes,
                               bool weight_by_size) {
  double num = 0.0;
  int64_t den = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t w = weight_by_size ? sizes[i] : 1;
    num += values[i] * static_cast<double>(w);
    den += w;
  }
  if (den == 0) return std::numeric_limits<double>::quiet_NaN();
  return num / static_cast<double>(den);
}

std::optional<double> PooledSampleStderr(const std::vector<double>& stderrs,
                                         const std::vector<int64_t>& sizes) {
  double num = 0.0;
  int64_t total = 0;
  for (size_t i = 0; i < stderrs.size(); ++i) {
    // Python: (size - 1) * stderr**2 * size, left to right.
    num += static_cast<double>(sizes[i] - 1) * (stderrs[i] * stderrs[i]) *
           static_cast<double>(sizes[i]);
    total += sizes[i];
  }
  const int64_t dof = total - static_cast<int64_t>(sizes.size());
  if (sizes.empty() || dof == 0) return std::nullopt;
  double pooled_var = num / static_cast<double>(dof);
  return std::sqrt(pooled_var / static_cast<double>(total));
}

Result<AggregateResult> AggregateGroup(const std::vector<SubtaskMetric>& subtasks,
                                       bool weight_by_size) {
  if (subtasks.empty()) return Status::InvalidArgument("group aggregation: no subtasks");
  std::vector<double> values, stderrs;
  std::vector<int64_t> sizes;
  bool all_se = true;
  for (const SubtaskMetric& s : subtasks) {
    values.push_back(s.value);
    sizes.push_back(s.size);
    if (s.stderr) {
      stderrs.push_back(*s.stderr);
    } else {
      all_se = false;
    }
  }
  AggregateResult r;
  r.value = AggregateSubtaskMetrics(values, sizes, weight_by_size);
  for (int64_t n : sizes) r.n += static_cast<size_t>(n);
  if (all_se) r.stderr = PooledSampleStderr(stderrs, sizes);
  return r;
}

}  // namespace mnemo
