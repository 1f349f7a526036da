#include "reports/model/sample_values.h"

namespace mnemo::reports {

Aggregation AggregationForJobMetric(const nlohmann::json& job_config, const std::string& metric) {
  if (job_config.is_object() && job_config.contains("metric_list") &&
      job_config["metric_list"].is_array()) {
    for (const auto& m : job_config["metric_list"]) {
      if (!m.is_object() || m.value("metric", std::string()) != metric) continue;
      if (m.contains("aggregation") && m["aggregation"].is_string())
        return AggregationFromName(m["aggregation"].get<std::string>());
    }
  }
  return DefaultAggregationForMetric(metric);
}

std::optional<SampleValue> SampleValueOf(const nlohmann::json& data, const std::string& metric,
                                         Aggregation agg) {
  auto it = data.find(metric);
  if (it == data.end()) return std::nullopt;
  const nlohmann::json& v = *it;
  bool weighted = agg == Aggregation::kWeightedPerplexity || agg == Aggregation::kBitsPerByte;
  if (weighted) {
    if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number())
      return SampleValue{v[0].get<double>(), v[1].get<double>()};
    return std::nullopt;
  }
  if (v.is_number()) return SampleValue{v.get<double>(), 1.0};
  if (v.is_boolean()) return SampleValue{v.get<bool>() ? 1.0 : 0.0, 1.0};
  return std::nullopt;
}

std::map<std::string, SampleValue> MetricValuesByDoc(const std::vector<SampleRecord>& samples,
                                                     const std::string& metric,
                                                     const std::string& filter, Aggregation agg) {
  std::map<std::string, SampleValue> out;
  for (const auto& s : samples) {
    if (s.data.value("filter", std::string("none")) != filter) continue;
    auto v = SampleValueOf(s.data, metric, agg);
    if (v) out.emplace(s.doc_id, *v);
  }
  return out;
}

}  // namespace mnemo::reports
