#include "reports/model/sample_values.h"

namespace mnemo::reports {

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
