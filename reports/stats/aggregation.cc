#include "reports/stats/aggregation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mnemo::reports {

Aggregation AggregationFromName(const std::string& name) {
  if (name == "mean") return Aggregation::kMean;
  if (name == "median") return Aggregation::kMedian;
  if (name == "perplexity") return Aggregation::kPerplexity;
  if (name == "weighted_perplexity") return Aggregation::kWeightedPerplexity;
  if (name == "bits_per_byte") return Aggregation::kBitsPerByte;
  return Aggregation::kNone;
}

const char* AggregationName(Aggregation a) {
  switch (a) {
    case Aggregation::kMean:
      return "mean";
    case Aggregation::kMedian:
      return "median";
    case Aggregation::kPerplexity:
      return "perplexity";
    case Aggregation::kWeightedPerplexity:
      return "weighted_perplexity";
    case Aggregation::kBitsPerByte:
      return "bits_per_byte";
    case Aggregation::kNone:
      break;
  }
  return "none";
}

Aggregation DefaultAggregationForMetric(const std::string& metric) {
  if (metric == "acc" || metric == "acc_norm" || metric == "acc_bytes" ||
      metric == "acc_mutual_info" || metric == "exact_match")
    return Aggregation::kMean;
  if (metric == "perplexity") return Aggregation::kPerplexity;
  if (metric == "word_perplexity" || metric == "byte_perplexity")
    return Aggregation::kWeightedPerplexity;
  if (metric == "bits_per_byte") return Aggregation::kBitsPerByte;
  return Aggregation::kNone;
}

double AggregateFromSums(Aggregation a, const AggregateSums& s) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  switch (a) {
    case Aggregation::kMean:
      return s.n > 0 ? s.sum_x / s.n : nan;
    case Aggregation::kPerplexity:
      return s.n > 0 ? std::exp(-s.sum_x / s.n) : nan;
    case Aggregation::kWeightedPerplexity:
      return s.sum_w > 0 ? std::exp(-s.sum_x / s.sum_w) : nan;
    case Aggregation::kBitsPerByte:
      return s.sum_w > 0 ? -s.sum_x / s.sum_w / std::log(2.0) : nan;
    case Aggregation::kMedian:
    case Aggregation::kNone:
      break;
  }
  return nan;
}

double AggregateValues(Aggregation a, const std::vector<SampleValue>& v) {
  if (a == Aggregation::kMedian) {
    if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
    std::vector<double> xs;
    xs.reserve(v.size());
    for (const auto& s : v) xs.push_back(s.x);
    std::sort(xs.begin(), xs.end());
    size_t m = xs.size() / 2;
    return xs.size() % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
  }
  AggregateSums s;
  for (const auto& x : v) {
    s.sum_x += x.x;
    s.sum_w += x.w;
    s.n += 1;
  }
  return AggregateFromSums(a, s);
}

}  // namespace mnemo::reports
