// Per-document metric values of a benchmark task job, as the evaluator stored them in each
// sample's data_json (read by tasks/stats/aggregation.h's SampleValueOf); the sample's "filter"
// says which filter chain produced it. Comparisons pair these values across two jobs by doc_id.
#ifndef MNEMO_REPORTS_MODEL_SAMPLE_VALUES_H_
#define MNEMO_REPORTS_MODEL_SAMPLE_VALUES_H_

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/store/run_store.h"
#include "tasks/stats/aggregation.h"

namespace mnemo::reports {

// doc_id → value for the samples of `filter`.
std::map<std::string, SampleValue> MetricValuesByDoc(const std::vector<SampleRecord>& samples,
                                                     const std::string& metric,
                                                     const std::string& filter, Aggregation agg);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_MODEL_SAMPLE_VALUES_H_
