#include "tasks/eval/shard_merge.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "tasks/stats/aggregation.h"

namespace mnemo {
namespace {

// One document's stored value of a metric whose items `agg` aggregates (MetricSample::ToJson
// read back). JSON keeps a double's shortest round-trip text, so the value is the same bits;
// null (how JSON writes NaN and infinities) reads as NaN.
Result<MetricSample> SampleFromJson(Aggregation agg, const nlohmann::json& v) {
  auto number = [](const nlohmann::json& x) {
    return x.is_null() ? std::numeric_limits<double>::quiet_NaN() : x.get<double>();
  };
  switch (agg) {
    case Aggregation::kMean:
    case Aggregation::kMedian:
    case Aggregation::kPerplexity:
      if (v.is_number() || v.is_null()) return MetricSample::Scalar(number(v));
      if (v.is_boolean()) return MetricSample::Scalar(v.get<bool>() ? 1.0 : 0.0);
      break;
    case Aggregation::kWeightedPerplexity:
    case Aggregation::kBitsPerByte:
      if (v.is_array() && v.size() == 2 && v[1].is_number_integer())
        return MetricSample::Weighted(number(v[0]), v[1].get<int64_t>());
      break;
    case Aggregation::kF1:
    case Aggregation::kMcc:
      if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
        return MetricSample::Pair(v[0].get<int64_t>(), v[1].get<int64_t>());
      break;
    case Aggregation::kBrierScore:
      if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_array()) {
        MetricSample s;
        s.kind = MetricSample::Kind::kBrier;
        s.brier.gold = v[0].get<int64_t>();
        for (const auto& p : v[1]) s.brier.probs.push_back(number(p));
        return s;
      }
      break;
    case Aggregation::kBleu:
    case Aggregation::kChrf:
    case Aggregation::kTer:
      // [gold, pred]: gold one reference or a list of them.
      if (v.is_array() && v.size() == 2 && v[1].is_string() &&
          (v[0].is_string() ||
           (v[0].is_array() && std::all_of(v[0].begin(), v[0].end(),
                                           [](const nlohmann::json& r) { return r.is_string(); }))))
        return MetricSample::Translation(v[0], v[1].get<std::string>());
      break;
  }
  return Status::InvalidArgument("a sample's value " + v.dump() + " is not what aggregation '" +
                                 AggregationName(agg) + "' takes");
}

// A sample's place in the whole run: its document, then its filter's place in the plan.
int64_t FilterRank(const nlohmann::json& plan, const nlohmann::json& sample) {
  const std::string f = sample.value("filter", std::string("none"));
  const auto& filters = plan.at("filters");
  for (size_t i = 0; i < filters.size(); ++i)
    if (filters[i] == f) return static_cast<int64_t>(i);
  return static_cast<int64_t>(filters.size());
}

}  // namespace

Result<std::vector<EvalMetric>> MetricsFromSamples(const nlohmann::json& plan,
                                                   const std::vector<nlohmann::json>& samples,
                                                   const std::string& where) {
  std::map<std::string, Aggregation> aggregation;
  try {
    for (const auto& m : plan.at("metrics")) {
      auto a = ParseAggregation(m.at("aggregation").get<std::string>());
      if (!a.ok()) return Status::InvalidArgument(where + ": " + a.status().message());
      aggregation[m.at("metric").get<std::string>()] = *a;
    }
    TaskMetricValues values;
    for (const auto& s : samples) {
      if (s.contains("error")) continue;
      const std::string filter = s.value("filter", std::string("none"));
      for (const auto& name : s.at("metrics")) {
        const std::string metric = name.get<std::string>();
        auto a = aggregation.find(metric);
        if (a == aggregation.end())
          return Status::InvalidArgument(where + ": document " + s.at("doc_id").dump() +
                                         " has metric '" + metric + "', which the plan lacks");
        auto v = SampleFromJson(a->second, s.at(metric));
        if (!v.ok())
          return Status::InvalidArgument(where + ": document " + s.at("doc_id").dump() +
                                         ", metric '" + metric + "': " + v.status().message());
        values[{metric, filter}].Add(*v);
      }
    }
    return AggregateTaskMetrics(plan, values, where);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(where +
                                   ": a sample or the merge plan is malformed: " + e.what());
  }
}

Status MergeTaskShardJob(const JobMergeInput& in, JobMergeOutput* out) {
  const ShardJobPart& proto = in.parts.front();
  const nlohmann::json& plan = proto.shard.plan;
  std::vector<SampleRecord> samples;
  int64_t n_requests = 0, n_cached = 0;
  for (const ShardJobPart& part : in.parts) {
    auto rows = part.store->GetSamples(part.job.id);
    if (!rows.ok()) return rows.status();
    for (auto& r : *rows) samples.push_back(std::move(r));
    n_requests += part.job.n_requests;
    n_cached += part.job.n_cached;
  }
  // Document order, then each document's filters in the plan's order: the order the
  // evaluator added values in.
  std::vector<int64_t> rank(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) rank[i] = FilterRank(plan, samples[i].data);
  std::vector<size_t> order(samples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::make_pair(samples[a].doc_index, rank[a]) <
           std::make_pair(samples[b].doc_index, rank[b]);
  });
  std::vector<SampleRecord> sorted;
  std::vector<nlohmann::json> data;
  sorted.reserve(samples.size());
  data.reserve(samples.size());
  for (size_t i : order) {
    data.push_back(samples[i].data);
    sorted.push_back(std::move(samples[i]));
  }
  const std::string where = "merge: task '" +
                            (proto.model_name.empty() ? "" : proto.model_name + "/") +
                            proto.job.name + "'";
  auto metrics = MetricsFromSamples(plan, data, where);
  if (!metrics.ok()) return metrics.status();
  std::vector<MetricRecord> records;
  for (const auto& m : *metrics)
    records.push_back({m.name, m.filter, m.value, m.stderr_value, m.n, m.higher_is_better});
  RunStore* into = in.into;
  const int64_t job_id = in.merged->id;
  MNEMO_RETURN_IF_ERROR(into->Begin());
  Status w = into->PutSamples(job_id, sorted);
  if (w.ok()) w = into->PutMetrics(job_id, records);
  if (w.ok()) w = into->FinishJob(job_id, "finished", n_requests, n_cached);
  if (w.ok()) w = into->Commit();
  if (!w.ok()) {
    (void)into->Rollback();
    return w;
  }
  out->rows += sorted.size();
  return Status::Ok();
}

JobMergeKind TaskMergeKind() {
  return {"task", nullptr, &MergeTaskShardJob};
}

}  // namespace mnemo
