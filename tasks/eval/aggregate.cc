#include "tasks/eval/aggregate.h"

#include <map>
#include <set>

namespace mnemo {

namespace {

// metric -> (output types it applies to, higher is better)
struct MetricInfo {
  std::set<OutputType> types;
  bool higher_is_better;
};

const std::map<std::string, MetricInfo>& Known() {
  using O = OutputType;
  static const std::map<std::string, MetricInfo> k = {
      {"acc", {{O::kMultipleChoice, O::kLoglikelihood}, true}},
      {"acc_norm", {{O::kMultipleChoice}, true}},
      {"acc_bytes", {{O::kMultipleChoice}, true}},
      {"acc_mutual_info", {{O::kMultipleChoice}, true}},
      {"exact_match", {{O::kMultipleChoice, O::kGenerateUntil}, true}},
      {"f1", {{O::kMultipleChoice, O::kGenerateUntil}, true}},
      {"mcc", {{O::kMultipleChoice}, true}},
      {"brier_score", {{O::kMultipleChoice}, false}},
      {"perplexity", {{O::kLoglikelihood}, false}},
      {"word_perplexity", {{O::kLoglikelihoodRolling}, false}},
      {"byte_perplexity", {{O::kLoglikelihoodRolling}, false}},
      {"bits_per_byte", {{O::kLoglikelihoodRolling}, false}},
      // lm-eval registers ter with higher_is_better=True too (its docstring says lower).
      {"bleu", {{O::kGenerateUntil}, true}},
      {"chrf", {{O::kGenerateUntil}, true}},
      {"ter", {{O::kGenerateUntil}, true}},
  };
  return k;
}

}  // namespace

MetricSample MetricSample::Scalar(double v) {
  MetricSample s;
  s.kind = Kind::kScalar;
  s.x = v;
  return s;
}

MetricSample MetricSample::Weighted(double ll, int64_t count) {
  MetricSample s;
  s.kind = Kind::kWeighted;
  s.weighted = {ll, count};
  return s;
}

MetricSample MetricSample::Pair(int64_t gold, int64_t pred) {
  MetricSample s;
  s.kind = Kind::kPair;
  s.pair = {gold, pred};
  return s;
}

MetricSample MetricSample::Translation(const nlohmann::json& gold, std::string pred) {
  auto text = [](const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  MetricSample s;
  s.kind = Kind::kTranslation;
  s.refs_listed = gold.is_array();
  if (s.refs_listed) {
    for (const auto& r : gold) s.translation.refs.push_back(text(r));
  } else {
    s.translation.refs.push_back(text(gold));
  }
  s.translation.pred = std::move(pred);
  return s;
}

nlohmann::json MetricSample::ToJson() const {
  switch (kind) {
    case Kind::kScalar:
      return x;
    case Kind::kWeighted:
      return {weighted.ll, weighted.count};
    case Kind::kPair:
      return {pair.gold, pair.pred};
    case Kind::kBrier:
      return {brier.gold, brier.probs};
    case Kind::kTranslation:
      if (!refs_listed && translation.refs.size() == 1)
        return nlohmann::json::array({translation.refs[0], translation.pred});
      return nlohmann::json::array({translation.refs, translation.pred});
  }
  return nullptr;
}

void MetricValues::Add(const MetricSample& s) {
  ++n_;
  switch (s.kind) {
    case MetricSample::Kind::kScalar:
      items_.values.push_back(s.x);
      break;
    case MetricSample::Kind::kWeighted:
      items_.weighted.push_back(s.weighted);
      break;
    case MetricSample::Kind::kPair:
      items_.pairs.push_back(s.pair);
      break;
    case MetricSample::Kind::kBrier:
      items_.brier.push_back(s.brier);
      break;
    case MetricSample::Kind::kTranslation:
      items_.translation.push_back(s.translation);
      break;
  }
}

std::string DefaultAggregation(const std::string& metric) {
  if (Known().count(metric) == 0) return "";
  return AggregationName(DefaultAggregationFor(metric));
}

bool DefaultHigherIsBetter(const std::string& metric) {
  auto it = Known().find(metric);
  return it == Known().end() ? true : it->second.higher_is_better;
}

std::string KnownMetricNames() {
  std::string out;
  for (const auto& [name, _] : Known()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

Status CheckMetricFits(const MetricSpec& m, OutputType t, const std::string& where) {
  auto it = Known().find(m.metric);
  if (it == Known().end()) {
    return Status::InvalidArgument(where + ": key 'metric_list': unknown metric '" + m.metric +
                                   "' (known: " + KnownMetricNames() + ")");
  }
  if (it->second.types.count(t) == 0) {
    return Status::InvalidArgument(where + ": key 'metric_list': metric '" + m.metric +
                                   "' does not apply to output_type " + OutputTypeName(t));
  }
  auto agg = ParseAggregation(m.aggregation);
  if (!agg.ok()) {
    return Status::InvalidArgument(where + ": key 'metric_list': metric '" + m.metric +
                                   "': " + agg.status().message());
  }
  return Status::Ok();
}

Result<MetricSample> ChoiceMetricSample(const std::string& metric, const ChoiceScores& s,
                                        const ChoiceGold& gold) {
  if (metric == "acc") return MetricSample::Scalar(s.acc);
  if (metric == "acc_norm") return MetricSample::Scalar(s.acc_norm);
  if (metric == "acc_bytes") return MetricSample::Scalar(s.acc_bytes);
  if (metric == "exact_match") return MetricSample::Scalar(s.exact_match);
  if (metric == "acc_mutual_info") {
    if (!s.acc_mutual_info) return Status::Internal("acc_mutual_info without unconditional scores");
    return MetricSample::Scalar(*s.acc_mutual_info);
  }
  int64_t g = gold.indices.empty() ? -100 : gold.indices[0];
  if (metric == "f1" || metric == "mcc") return MetricSample::Pair(g, static_cast<int64_t>(s.pred));
  if (metric == "brier_score") {
    MetricSample m;
    m.kind = MetricSample::Kind::kBrier;
    m.brier.gold = g;
    m.brier.probs = s.probs;
    return m;
  }
  return Status::InvalidArgument("metric '" + metric + "' is not a multiple-choice metric");
}

Result<AggregateValue> Aggregate(const std::string& aggregation, const MetricValues& values,
                                 int bootstrap_iters) {
  auto a = ParseAggregation(aggregation);
  if (!a.ok()) return a.status();
  auto r = Aggregate(*a, values.items(), bootstrap_iters);
  if (!r.ok()) return r.status();
  return AggregateValue{r->value, r->stderr};
}

}  // namespace mnemo
