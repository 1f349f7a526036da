// Per-document metric values of a benchmark task job, as the evaluator stored them in each
// sample's data_json: "<metric>": a number (scalar metrics) or [log-likelihood, count]
// (weighted perplexities, bits_per_byte); the sample's "filter" says which filter chain
// produced it. Comparisons pair these values across two jobs by doc_id.
#ifndef MNEMO_REPORTS_MODEL_SAMPLE_VALUES_H_
#define MNEMO_REPORTS_MODEL_SAMPLE_VALUES_H_

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/store/run_store.h"
#include "reports/stats/aggregation.h"

namespace mnemo::reports {

// The aggregation of `metric` in a task job: the job config's metric_list entry when it names
// one, else lm-eval's default for the metric name.
Aggregation AggregationForJobMetric(const nlohmann::json& job_config, const std::string& metric);

// The value of `metric` in one sample's data, read as `agg` expects; nullopt when absent or
// of another shape.
std::optional<SampleValue> SampleValueOf(const nlohmann::json& data, const std::string& metric,
                                         Aggregation agg);

// doc_id → value for the samples of `filter`.
std::map<std::string, SampleValue> MetricValuesByDoc(const std::vector<SampleRecord>& samples,
                                                     const std::string& metric,
                                                     const std::string& filter, Aggregation agg);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_MODEL_SAMPLE_VALUES_H_
