#include "reports/compare/comparison.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "audits/decontam/item_table.h"
#include "audits/memorization/probe_table.h"
#include "reports/model/longctx_view.h"
#include "reports/model/run_view.h"
#include "reports/model/sample_values.h"
#include "tasks/stats/two_proportions.h"

namespace mnemo::reports {
namespace {

using ModelPair = std::pair<std::string, std::string>;

Result<std::vector<ModelPair>> PairModels(const RunView& base, const RunView& cand,
                                          const CompareSpec& spec) {
  auto has = [](const RunView& v, const std::string& m) {
    for (const auto& n : v.model_names)
      if (n == m) return true;
    return false;
  };
  auto missing = [](const RunView& v, const std::string& m) {
    std::string known;
    for (const auto& n : v.model_names) known += (known.empty() ? "" : ", ") + n;
    return Status::NotFound("run " + std::to_string(v.run.id) + " has no model '" + m +
                            "' (its models: " + (known.empty() ? "none" : known) + ")");
  };
  std::string bm = spec.base_model, cm = spec.candidate_model;
  if (bm.empty() && !cm.empty()) bm = cm;
  if (cm.empty() && !bm.empty()) cm = bm;
  if (!bm.empty()) {
    if (!has(base, bm)) return missing(base, bm);
    if (!has(cand, cm)) return missing(cand, cm);
    return std::vector<ModelPair>{{bm, cm}};
  }
  if (base.model_names.size() == 1 && cand.model_names.size() == 1)
    return std::vector<ModelPair>{{base.model_names[0], cand.model_names[0]}};
  // One run with two models (checkpoints side by side): the first against the second, as the
  // report compares them; pairing by name would compare each with itself.
  if (base.run.id == cand.run.id && base.model_names.size() == 2)
    return std::vector<ModelPair>{{base.model_names[0], base.model_names[1]}};
  std::vector<ModelPair> out;
  for (const auto& n : base.model_names)
    if (has(cand, n)) out.emplace_back(n, n);
  if (out.empty())
    return Status::InvalidArgument(
        "runs " + std::to_string(base.run.id) + " and " + std::to_string(cand.run.id) +
        " share no model name; name the two with --base-model and --candidate-model");
  return out;
}

// A runtime value as text: strings bare, others compact JSON; with `words`, an array of
// strings space-separated (for reading rather than diffing).
std::string RuntimeValue(const nlohmann::json& v, bool words = false) {
  if (v.is_string()) return v.get<std::string>();
  if (words && v.is_array() &&
      std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); })) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : " ") + e.get<std::string>();
    return out;
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The runtime recorded for model `name` of a run; null when none was (or the backend stated
// none).
const nlohmann::json& RecordedRuntime(const RunView& v, const std::string& name) {
  static const nlohmann::json kNone;
  auto it = v.runtimes.find(name);
  return it == v.runtimes.end() || !it->second.is_object() ? kNone : it->second;
}

// The warning for one model pair, or "" when both sides computed alike (or neither says).
std::string RuntimeWarning(const RunView& base, const std::string& bm, const RunView& cand,
                           const std::string& cm) {
  const nlohmann::json& b = RecordedRuntime(base, bm);
  const nlohmann::json& c = RecordedRuntime(cand, cm);
  const std::string bid = std::to_string(base.run.id), cid = std::to_string(cand.run.id);
  if (b.is_null() && c.is_null()) return "";
  if (b.is_null() || c.is_null()) {
    const bool base_missing = b.is_null();
    return "runtime not recorded for run " + (base_missing ? bid : cid) + " ('" +
           (base_missing ? bm : cm) + "'); run " + (base_missing ? cid : bid) +
           " recorded one, so whether the backend computed alike cannot be checked";
  }
  const std::string diff = RuntimeDifferences(b, c);
  if (diff.empty()) return "";
  return std::string(base.run.id == cand.run.id ? "models" : "runs") +
         " differ in how the backend computed: " + diff + " (run " + bid + " '" + bm + "' vs run " +
         cid + " '" + cm + "')";
}

}  // namespace

std::string RuntimeDifferences(const nlohmann::json& base, const nlohmann::json& candidate) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& b = base.is_object() ? base : kEmpty;
  const nlohmann::json& c = candidate.is_object() ? candidate : kEmpty;
  std::set<std::string> keys;
  for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
  for (auto it = c.begin(); it != c.end(); ++it) keys.insert(it.key());
  std::string out;
  for (const auto& key : keys) {
    auto bi = b.find(key);
    auto ci = c.find(key);
    const bool in_b = bi != b.end(), in_c = ci != c.end();
    if (in_b && in_c && *bi == *ci) continue;
    out += (out.empty() ? "" : "; ") + key + " " + (in_b ? RuntimeValue(*bi) : "(absent)") +
           " vs " + (in_c ? RuntimeValue(*ci) : "(absent)");
  }
  return out;
}

std::string RuntimeSummary(const nlohmann::json& runtime) {
  if (!runtime.is_object()) return "";
  std::string out;
  auto add = [&](const std::string& key, const nlohmann::json& value) {
    out += (out.empty() ? "" : "; ") + key + " " + RuntimeValue(value, /*words=*/true);
  };
  if (auto it = runtime.find("engine"); it != runtime.end()) add("engine", *it);
  for (auto it = runtime.begin(); it != runtime.end(); ++it) {
    if (it.key() != "engine") add(it.key(), it.value());
  }
  return out;
}

namespace {

// 0/1 outcomes by unit id (a probe memorised, an eval item dirty).
using Outcomes = std::map<std::string, bool>;

// A row for a rate where more is worse (memorised probes, dirty items): McNemar on the units
// both sides hold (the same probes or items), Fisher's exact test when they share none.
ComparisonRow RateRow(const Outcomes& base, const Outcomes& cand) {
  ComparisonRow row;
  auto rate = [](const Outcomes& o, int64_t* k) {
    *k = 0;
    for (const auto& [id, x] : o) *k += x;
    return o.empty() ? 0.0 : static_cast<double>(*k) / static_cast<double>(o.size());
  };
  int64_t kb = 0, kc = 0;
  row.base_value = rate(base, &kb);
  row.candidate_value = rate(cand, &kc);
  row.delta = row.candidate_value - row.base_value;
  auto se = [](double p, size_t n) {
    return n == 0 ? 0.0 : std::sqrt(p * (1 - p) / static_cast<double>(n));
  };
  row.base_stderr = se(row.base_value, base.size());
  row.candidate_stderr = se(row.candidate_value, cand.size());
  row.higher_is_better = false;
  std::vector<double> xb, xc;
  for (const auto& [id, x] : base) {
    auto it = cand.find(id);
    if (it == cand.end()) continue;
    xb.push_back(x);
    xc.push_back(it->second);
  }
  row.test = !xb.empty() ? McNemarTest(xb, xc)
                         : TwoProportionTest(kb, static_cast<int64_t>(base.size()), kc,
                                             static_cast<int64_t>(cand.size()));
  return row;
}

// No test: the stored delta, the shared documents counted.
PairedTestResult NoTest(int64_t n, double delta) {
  PairedTestResult t;
  t.method = "none";
  t.n = n;
  t.delta = delta;
  return t;
}

// The paired test of aligned, non-empty per-document values under `agg` (recomputable): McNemar
// for a mean of 0/1 values, the exact permutation test for few documents, else the paired
// bootstrap. Task rows and long-context rows share it.
PairedTestResult PairedTestOf(Aggregation agg, const std::vector<SampleValue>& b,
                              const std::vector<SampleValue>& c,
                              const BootstrapOptions& bootstrap) {
  if (agg == Aggregation::kMean && AllBinary(b) && AllBinary(c)) {
    std::vector<double> xb, xc;
    for (size_t i = 0; i < b.size(); ++i) {
      xb.push_back(b[i].x);
      xc.push_back(c[i].x);
    }
    return McNemarTest(xb, xc);
  }
  // Few documents: the exact test; a bootstrap of three documents claims p = 0.002.
  if (b.size() <= kMaxExactPermutationDocs) return PairedPermutationExact(agg, b, c);
  return PairedBootstrap(agg, b, c, bootstrap);
}

// Sets the row's verdict (significant, regression, improvement) and adds it to the comparison.
// A row of one metric both sides hold: the stored values and their delta; the test is left to
// the caller.
ComparisonRow MetricRow(const std::string& bm, const std::string& cm, const std::string& task,
                        const MetricRecord& base, const MetricRecord& cand) {
  ComparisonRow row;
  row.base_model = bm;
  row.candidate_model = cm;
  row.task = task;
  row.metric = base.name;
  row.filter = base.filter;
  row.base_value = base.value;
  row.candidate_value = cand.value;
  row.delta = cand.value - base.value;
  row.base_stderr = base.stderr_value;
  row.candidate_stderr = cand.stderr_value;
  row.higher_is_better = base.higher_is_better;
  return row;
}

void AddRow(const CompareSpec& spec, ComparisonRow row, Comparison* out) {
  row.significant = row.test.method != "none" && row.test.p_value < spec.alpha;
  bool finite = std::isfinite(row.delta);
  bool worse = finite && (row.higher_is_better ? row.delta < 0 : row.delta > 0);
  bool better = finite && (row.higher_is_better ? row.delta > 0 : row.delta < 0);
  bool beyond = finite && std::fabs(row.delta) > spec.threshold;
  // Measured performance depends on the machine: shown, never a verdict.
  row.regression = !row.measured && worse && beyond && row.significant;
  row.improvement = !row.measured && better && beyond && row.significant;
  out->regressions += row.regression;
  out->improvements += row.improvement;
  out->rows.push_back(std::move(row));
}

// The latest job of each name among `jobs` (a rerun in the same run replaces).
std::map<std::string, const JobView*> LatestByName(const std::vector<const JobView*>& jobs) {
  std::map<std::string, const JobView*> out;
  for (const auto* j : jobs) out[j->job.name] = j;
  return out;
}

// Memorisation of one job pair: the exact-match rate over all probes and per duplication
// bucket (the probes' corpus count, else their "repeats"), rows keyed by filter.
Status MemorizationRows(RunStore* store, const JobView& bj, const JobView& cj,
                        std::vector<std::pair<std::string, std::pair<Outcomes, Outcomes>>>* out) {
  std::map<std::string, std::pair<Outcomes, Outcomes>> by;
  std::vector<std::string> order = {"all"};
  for (int side = 0; side < 2; ++side) {
    auto probes = memorization::ListProbes(*store, (side == 0 ? bj : cj).job.id);
    if (!probes.ok()) return probes.status();
    for (const auto& p : *probes) {
      std::string bucket;
      if (p.duplicates) {
        bucket = "duplicates=" + std::to_string(*p.duplicates);
      } else if (p.group.is_object() && p.group.contains("repeats") &&
                 p.group["repeats"].is_number_integer()) {
        bucket = "repeats=" + std::to_string(p.group["repeats"].get<int64_t>());
      }
      for (const std::string& key : {std::string("all"), bucket}) {
        if (key.empty()) continue;
        if (by.count(key) == 0 && key != "all") order.push_back(key);
        auto& o = side == 0 ? by[key].first : by[key].second;
        o[p.probe_id] = p.exact;
      }
    }
  }
  for (const auto& key : order)
    if (by.count(key)) out->emplace_back(key, by[key]);
  return Status::Ok();
}

// The scores (in [0, 1]) of one long_context side's samples whose doc id holds every field of
// `filter` ("task=T,length=L", "length=L,depth=D", "length=L"), by doc id, with each doc's
// task; samples that failed (no score in the metrics either) are left out.
struct LcScore {
  double score = 0;
  std::string task;
};
std::map<std::string, LcScore> LongContextScores(const std::vector<SampleRecord>& samples,
                                                 const std::string& filter) {
  const auto want = ParseFilter(filter);
  std::map<std::string, LcScore> out;
  for (const auto& s : samples) {
    if (!s.data.is_object() || s.data.contains("error")) continue;
    auto sc = s.data.find("score");
    if (sc == s.data.end() || !sc->is_number()) continue;
    const auto have = ParseFilter(s.doc_id);
    bool match = true;
    for (const auto& [k, v] : want) {
      auto it = have.find(k);
      match = match && it != have.end() && it->second == v;
    }
    if (match) out[s.doc_id] = {sc->get<double>(), have.count("task") ? have.at("task") : ""};
  }
  return out;
}

// The paired test of a long_context row, in percent points as the metrics are stored. accuracy
// (by task and length, or by length and depth) is the mean score of its prompts: McNemar when
// every score is 0 or 1, else the exact permutation test or the paired bootstrap of the mean, as
// task rows. ruler_average is the mean over tasks, which is the mean over prompts only when
// every task holds as many shared prompts at that length: then the same test, else none. Other
// metrics (effective_length, peak_rss_bytes, tokens_per_second, kv_bytes) have no units: none.
PairedTestResult LongContextTest(const std::string& metric, const std::string& filter, double delta,
                                 const std::vector<SampleRecord>& bsamples,
                                 const std::vector<SampleRecord>& csamples,
                                 const BootstrapOptions& bootstrap) {
  if (metric != "accuracy" && metric != "ruler_average") return NoTest(0, delta);
  const auto bs = LongContextScores(bsamples, filter);
  const auto cs = LongContextScores(csamples, filter);
  std::vector<SampleValue> b, c;
  std::map<std::string, int64_t> per_task;
  for (const auto& [doc, v] : bs) {
    auto it = cs.find(doc);
    if (it == cs.end()) continue;
    b.push_back({v.score, 1.0});
    c.push_back({it->second.score, 1.0});
    ++per_task[v.task];
  }
  const auto n = static_cast<int64_t>(b.size());
  if (b.empty()) return NoTest(n, delta);
  if (metric == "ruler_average") {
    for (const auto& [task, k] : per_task)
      if (k != per_task.begin()->second) return NoTest(n, delta);
  }
  PairedTestResult t = PairedTestOf(Aggregation::kMean, b, c, bootstrap);
  t.delta *= 100;  // the permutation test's interval is NaN, and stays so
  t.ci_low *= 100;
  t.ci_high *= 100;
  return t;
}

// Machine-dependent performance of a long_context job: shown, never a regression.
bool IsMeasuredMetric(const std::string& metric) {
  return metric == "peak_rss_bytes" || metric == "tokens_per_second";
}

// The `kind` jobs ("long_context", "perplexity") of one model pair, paired by job name (the
// latest of each name); metrics by (name, filter), task "<kind>:<job>". A job or metric on one
// side only becomes a note.
Status LongContextRows(RunStore* store, const CompareSpec& spec, const std::string& kind,
                       const RunView& base, const std::string& bm, const RunView& cand,
                       const std::string& cm, Comparison* out) {
  auto bjobs = LatestByName(base.JobsOf(kind, bm));
  auto cjobs = LatestByName(cand.JobsOf(kind, cm));
  for (const auto& [name, j] : cjobs)
    if (bjobs.count(name) == 0)
      out->notes.push_back(kind + " job '" + name + "' only in the candidate (" + cm + ")");
  for (const auto& [name, bj] : bjobs) {
    auto cit = cjobs.find(name);
    if (cit == cjobs.end()) {
      out->notes.push_back(kind + " job '" + name + "' only in the base (" + bm + ")");
      continue;
    }
    const JobView* cj = cit->second;
    const std::string task = kind + ":" + name;
    auto bmetrics = store->GetMetrics(bj->job.id);
    if (!bmetrics.ok()) return bmetrics.status();
    auto cmetrics = store->GetMetrics(cj->job.id);
    if (!cmetrics.ok()) return cmetrics.status();
    // Only long_context jobs store per-prompt samples; perplexity rows have no paired test.
    std::vector<SampleRecord> bsamples, csamples;
    if (kind == "long_context") {
      auto bs = store->GetSamples(bj->job.id);
      if (!bs.ok()) return bs.status();
      bsamples = std::move(bs).value();
      if (bj == cj) {
        csamples = bsamples;
      } else {
        auto cs = store->GetSamples(cj->job.id);
        if (!cs.ok()) return cs.status();
        csamples = std::move(cs).value();
      }
    }
    for (const auto& m : *bmetrics) {
      const MetricRecord* cmr = nullptr;
      for (const auto& x : *cmetrics)
        if (x.name == m.name && x.filter == m.filter) cmr = &x;
      if (cmr == nullptr) {
        out->notes.push_back(task + " " + m.name + "," + m.filter + ": not in the candidate");
        continue;
      }
      ComparisonRow row = MetricRow(bm, cm, task, m, *cmr);
      row.measured = kind == "long_context" && IsMeasuredMetric(m.name);
      row.test = kind == "long_context" ? LongContextTest(m.name, m.filter, row.delta, bsamples,
                                                          csamples, spec.bootstrap)
                                        : NoTest(0, row.delta);
      AddRow(spec, std::move(row), out);
    }
    for (const auto& x : *cmetrics) {
      bool in_base = false;
      for (const auto& m : *bmetrics)
        in_base = in_base || (m.name == x.name && m.filter == x.filter);
      if (!in_base)
        out->notes.push_back(task + " " + x.name + "," + x.filter + ": not in the base");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Comparison> CompareRuns(RunStore* store, const CompareSpec& spec) {
  Comparison out;
  out.spec = spec;
  auto base = LoadRunView(store, spec.base_run);
  if (!base.ok()) return base.status();
  auto cand = spec.candidate_run == spec.base_run ? base : LoadRunView(store, spec.candidate_run);
  if (!cand.ok()) return cand.status();
  auto flag_partial = [&](const char* side, const RunView& v) {
    if (!v.partial) return;
    out.partial.push_back(std::string(side) + " run " + std::to_string(v.run.id) + " ('" +
                          v.run.name + "') is partial: " + v.partial_reason);
    out.warnings.push_back(out.partial.back());
  };
  flag_partial(spec.candidate_run == spec.base_run ? "the" : "base", *base);
  if (spec.candidate_run != spec.base_run) flag_partial("candidate", *cand);
  auto pairs = PairModels(*base, *cand, spec);
  if (!pairs.ok()) return pairs.status();

  for (const auto& [bm, cm] : *pairs) {
    if (std::string w = RuntimeWarning(*base, bm, *cand, cm); !w.empty())
      out.warnings.push_back(std::move(w));
    auto bjobs = base->JobsOf("task", bm);
    auto cjobs = cand->JobsOf("task", cm);
    // Latest job per task name on each side (a rerun in the same run replaces).
    std::map<std::string, const JobView*> cby;
    for (const auto* j : cjobs) cby[j->job.name] = j;
    std::map<std::string, const JobView*> bby;
    std::vector<std::string> order;
    for (const auto* j : bjobs) {
      if (bby.count(j->job.name) == 0) order.push_back(j->job.name);
      bby[j->job.name] = j;
    }
    for (const auto& [name, j] : cby)
      if (bby.count(name) == 0)
        out.notes.push_back("task '" + name + "' only in the candidate (" + cm + ")");
    for (const auto& task : order) {
      const JobView* bj = bby[task];
      auto cit = cby.find(task);
      if (cit == cby.end()) {
        out.notes.push_back("task '" + task + "' only in the base (" + bm + ")");
        continue;
      }
      const JobView* cj = cit->second;
      auto bmetrics = store->GetMetrics(bj->job.id);
      if (!bmetrics.ok()) return bmetrics.status();
      auto cmetrics = store->GetMetrics(cj->job.id);
      if (!cmetrics.ok()) return cmetrics.status();
      auto bsamples = store->GetSamples(bj->job.id);
      if (!bsamples.ok()) return bsamples.status();
      auto csamples = bj == cj ? bsamples : store->GetSamples(cj->job.id);
      if (!csamples.ok()) return csamples.status();
      for (const auto& m : *bmetrics) {
        const MetricRecord* cmr = nullptr;
        for (const auto& x : *cmetrics)
          if (x.name == m.name && x.filter == m.filter) cmr = &x;
        if (cmr == nullptr) {
          out.notes.push_back(task + " " + m.name + "," + m.filter + ": not in the candidate");
          continue;
        }
        ComparisonRow row = MetricRow(bm, cm, task, m, *cmr);
        auto named = AggregationForJobMetric(bj->job.config, m.name);
        const bool recomputable = named && IsRecomputable(*named);
        // Not recomputable: the values are read as scalars only to count the shared documents.
        const Aggregation agg = recomputable ? *named : Aggregation::kMean;
        auto bv = MetricValuesByDoc(*bsamples, m.name, m.filter, agg);
        auto cv = MetricValuesByDoc(*csamples, m.name, m.filter, agg);
        std::vector<SampleValue> b, c;
        for (const auto& [doc, v] : bv) {
          auto it = cv.find(doc);
          if (it == cv.end()) continue;
          b.push_back(v);
          c.push_back(it->second);
        }
        row.test = b.empty() || !recomputable ? NoTest(static_cast<int64_t>(b.size()), row.delta)
                                              : PairedTestOf(agg, b, c, spec.bootstrap);
        AddRow(spec, std::move(row), &out);
      }
    }
    // Memorisation: a candidate that memorises more regresses, as one that scores less.
    auto bmem = LatestByName(base->JobsOf("memorization", bm));
    auto cmem = LatestByName(cand->JobsOf("memorization", cm));
    for (const auto& [name, bj] : bmem) {
      auto cit = cmem.find(name);
      if (cit == cmem.end()) continue;
      std::vector<std::pair<std::string, std::pair<Outcomes, Outcomes>>> buckets;
      MNEMO_RETURN_IF_ERROR(MemorizationRows(store, *bj, *cit->second, &buckets));
      for (const auto& [filter, sides] : buckets) {
        ComparisonRow row = RateRow(sides.first, sides.second);
        row.base_model = bm;
        row.candidate_model = cm;
        row.task = "memorization:" + name;
        row.metric = "exact_rate";
        row.filter = filter;
        AddRow(spec, std::move(row), &out);
      }
    }
    for (const char* kind : {"long_context", "perplexity"})
      MNEMO_RETURN_IF_ERROR(LongContextRows(store, spec, kind, *base, bm, *cand, cm, &out));
  }
  // Decontamination (model-free jobs): the dirty share of each task and method, item by item.
  if (spec.base_run != spec.candidate_run) {
    auto bdc = LatestByName(base->JobsOf("decontam"));
    auto cdc = LatestByName(cand->JobsOf("decontam"));
    for (const auto& [name, bj] : bdc) {
      auto cit = cdc.find(name);
      if (cit == cdc.end()) continue;
      std::map<std::pair<std::string, std::string>, std::pair<Outcomes, Outcomes>> by;
      for (int side = 0; side < 2; ++side) {
        auto items = decontam::ListItems(*store, (side == 0 ? bj : cit->second)->job.id);
        if (!items.ok()) return items.status();
        for (const auto& it : *items) {
          auto& o = side == 0 ? by[{it.task, it.method}].first : by[{it.task, it.method}].second;
          o[it.item_id] = it.status == "dirty";
        }
      }
      for (const auto& [key, sides] : by) {
        ComparisonRow row = RateRow(sides.first, sides.second);
        row.task = "decontam:" + key.first;
        row.metric = "dirty_share";
        row.filter = key.second;
        AddRow(spec, std::move(row), &out);
      }
    }
  }
  return out;
}

}  // namespace mnemo::reports
