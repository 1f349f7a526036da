#include "tasks/stats/aggregation.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "tasks/stats/mean.h"

namespace mnemo {

Result<Aggregation> ParseAggregation(std::string_view name) {
  if (name == "mean") return Aggregation::kMean;
  if (name == "median") return Aggregation::kMedian;
  if (name == "perplexity") return Aggregation::kPerplexity;
  if (name == "weighted_perplexity") return Aggregation::kWeightedPerplexity;
  if (name == "bits_per_byte") return Aggregation::kBitsPerByte;
  if (name == "f1") return Aggregation::kF1;
  if (name == "matthews_corrcoef" || name == "mcc") return Aggregation::kMcc;
  if (name == "brier_score") return Aggregation::kBrierScore;
  if (name == "bleu") return Aggregation::kBleu;
  if (name == "chrf") return Aggregation::kChrf;
  if (name == "ter") return Aggregation::kTer;
  return Status::InvalidArgument("unknown aggregation '" + std::string(name) + "'");
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
    case Aggregation::kF1:
      return "f1";
    case Aggregation::kMcc:
      return "matthews_corrcoef";
    case Aggregation::kBrierScore:
      return "brier_score";
    case Aggregation::kBleu:
      return "bleu";
    case Aggregation::kChrf:
      return "chrf";
    case Aggregation::kTer:
      return "ter";
  }
  return "?";
}

Aggregation DefaultAggregationFor(std::string_view metric) {
  if (metric == "perplexity") return Aggregation::kPerplexity;
  if (metric == "word_perplexity" || metric == "byte_perplexity")
    return Aggregation::kWeightedPerplexity;
  if (metric == "bits_per_byte") return Aggregation::kBitsPerByte;
  if (metric == "f1") return Aggregation::kF1;
  if (metric == "mcc") return Aggregation::kMcc;
  if (metric == "brier_score") return Aggregation::kBrierScore;
  if (metric == "bleu") return Aggregation::kBleu;
  if (metric == "chrf") return Aggregation::kChrf;
  if (metric == "ter") return Aggregation::kTer;
  return Aggregation::kMean;  // acc, acc_norm, acc_bytes, acc_mutual_info, exact_match, ...
}

std::optional<Aggregation> AggregationForJobMetric(const nlohmann::json& job_config,
                                                   std::string_view metric) {
  if (job_config.is_object() && job_config.contains("metric_list") &&
      job_config["metric_list"].is_array()) {
    for (const auto& m : job_config["metric_list"]) {
      if (!m.is_object() || m.value("metric", std::string()) != metric) continue;
      if (m.contains("aggregation") && m["aggregation"].is_string()) {
        auto named = ParseAggregation(m["aggregation"].get<std::string>());
        if (!named.ok()) return std::nullopt;
        return *named;
      }
    }
  }
  return DefaultAggregationFor(metric);
}

bool IsBootstrapped(Aggregation a) {
  return a == Aggregation::kMedian || a == Aggregation::kPerplexity || a == Aggregation::kF1 ||
         a == Aggregation::kMcc || a == Aggregation::kBleu || a == Aggregation::kChrf ||
         a == Aggregation::kTer;
}

bool IsRecomputable(Aggregation a) {
  return a == Aggregation::kMean || a == Aggregation::kMedian || a == Aggregation::kPerplexity ||
         a == Aggregation::kWeightedPerplexity || a == Aggregation::kBitsPerByte;
}

std::optional<SampleValue> SampleValueOf(const nlohmann::json& data, std::string_view metric,
                                         Aggregation agg) {
  if (!data.is_object()) return std::nullopt;
  // A translation item is texts, never a per-document number.
  if (agg == Aggregation::kBleu || agg == Aggregation::kChrf || agg == Aggregation::kTer)
    return std::nullopt;
  auto it = data.find(std::string(metric));
  if (it == data.end()) return std::nullopt;
  const nlohmann::json& v = *it;
  if (agg == Aggregation::kWeightedPerplexity || agg == Aggregation::kBitsPerByte) {
    if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number())
      return SampleValue{v[0].get<double>(), v[1].get<double>()};
    return std::nullopt;
  }
  if (v.is_number()) return SampleValue{v.get<double>(), 1.0};
  if (v.is_boolean()) return SampleValue{v.get<bool>() ? 1.0 : 0.0, 1.0};
  return std::nullopt;
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
    default:
      break;
  }
  return nan;
}

double AggregateValues(Aggregation a, const std::vector<SampleValue>& v) {
  if (a == Aggregation::kMedian) {
    std::vector<double> xs;
    xs.reserve(v.size());
    for (const auto& s : v) xs.push_back(s.x);
    return Median(std::move(xs));
  }
  AggregateSums s;
  for (const auto& x : v) {
    s.sum_x += x.x;
    s.sum_w += x.w;
    s.n += 1;
  }
  return AggregateFromSums(a, s);
}

}  // namespace mnemo
