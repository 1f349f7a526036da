#include "tasks/eval/shard_merge.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "harness/jobs/run_session.h"
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
  }
  return Status::InvalidArgument("a sample's value " + v.dump() + " is not what aggregation '" +
                                 AggregationName(agg) + "' takes");
}

// A shard as found in its store.
struct ShardJob {
  JobRecord job;
  JobShardRecord shard;
  std::string model_name;  // the model's display name in the run ("" for none)
  std::string model_fingerprint;
};
struct Shard {
  std::string path;
  RunStore* store = nullptr;
  RunRecord run;
  std::vector<RunModelRecord> models;
  std::vector<ShardJob> jobs;  // in id order
  uint32_t index = 0, count = 1;
};

std::string JobKey(const ShardJob& j) {
  return j.model_name + "/" + j.job.name;
}

Status Refuse(const std::string& path, const std::string& what) {
  return Status::InvalidArgument("merge: shard store '" + path + "': " + what);
}

// The newest run of `s.store` with shard jobs, read and checked on its own.
Status ReadShard(Shard* s) {
  auto runs = s->store->ListRuns();
  if (!runs.ok()) return runs.status();
  for (auto r = runs->rbegin(); r != runs->rend(); ++r) {
    auto jobs = s->store->ListJobs(r->id);
    if (!jobs.ok()) return jobs.status();
    std::vector<ShardJob> found;
    bool any_shard = false;
    for (const auto& j : *jobs) {
      auto sh = s->store->GetJobShard(j.id);
      if (!sh.ok()) return sh.status();
      ShardJob sj;
      sj.job = j;
      if (*sh) {
        any_shard = true;
        sj.shard = **sh;
      } else {
        sj.shard.count = 0;  // not a shard job
      }
      found.push_back(std::move(sj));
    }
    if (!any_shard) continue;
    s->run = *r;
    s->jobs = std::move(found);
    break;
  }
  if (s->jobs.empty())
    return Refuse(s->path, "holds no shard run (run it with --shard i/N); nothing to merge");
  auto models = s->store->ListRunModels(s->run.id);
  if (!models.ok()) return models.status();
  s->models = std::move(models).value();
  std::map<int64_t, std::string> names;
  for (const auto& m : s->models) names[m.model_id] = m.name;
  const std::string in_run = " (run " + std::to_string(s->run.id) + ")";
  for (auto& j : s->jobs) {
    if (j.job.kind != "task" || j.shard.count == 0)
      return Refuse(s->path, "job '" + j.job.name + "' (kind " + j.job.kind + ")" + in_run +
                                 " is not a task shard; merge combines task evals only");
    j.model_name = names.count(j.job.model_id) ? names[j.job.model_id] : "";
    auto model = s->store->GetModel(j.job.model_id);
    if (!model.ok()) return model.status();
    j.model_fingerprint = model->fingerprint;
  }
  s->index = s->jobs.front().shard.index;
  s->count = s->jobs.front().shard.count;
  std::set<std::string> done;
  for (const auto& j : s->jobs) {
    if (j.shard.index != s->index || j.shard.count != s->count)
      return Refuse(s->path,
                    "jobs of run " + std::to_string(s->run.id) + " ran as different shards (" +
                        std::to_string(s->index) + "/" + std::to_string(s->count) + " and " +
                        std::to_string(j.shard.index) + "/" + std::to_string(j.shard.count) + ")");
    if (j.shard.completed_at.empty())
      return Refuse(s->path, "shard " + std::to_string(s->index) + "/" + std::to_string(s->count) +
                                 " is incomplete: task '" + JobKey(j) + "'" + in_run +
                                 " has no completion marker (rerun the shard)");
    done.insert(JobKey(j));
  }
  // A task the shard never began (killed before it) has no row at all: every job lists the
  // tasks of its tasks job.
  for (const auto& j : s->jobs)
    for (const auto& t : j.shard.plan.value("tasks", nlohmann::json::array()))
      if (!done.count(j.model_name + "/" + t.get<std::string>()))
        return Refuse(s->path, "shard " + std::to_string(s->index) + "/" +
                                   std::to_string(s->count) + " is incomplete: task '" +
                                   j.model_name + "/" + t.get<std::string>() + "'" + in_run +
                                   " never finished (rerun the shard)");
  return Status::Ok();
}

// Refuses shards that are not the N parts of one run.
Status CheckShardSet(const std::vector<Shard>& shards) {
  const Shard& a = shards.front();
  for (const Shard& s : shards) {
    if (s.count != a.count)
      return Status::InvalidArgument("merge: mismatched shards: '" + a.path + "' is shard " +
                                     std::to_string(a.index) + "/" + std::to_string(a.count) +
                                     " but '" + s.path + "' is shard " + std::to_string(s.index) +
                                     "/" + std::to_string(s.count));
  }
  std::map<uint32_t, std::string> by_index;
  for (const Shard& s : shards) {
    auto [it, fresh] = by_index.emplace(s.index, s.path);
    if (!fresh)
      return Status::InvalidArgument("merge: duplicate shard " + std::to_string(s.index) + "/" +
                                     std::to_string(s.count) + ": '" + it->second + "' and '" +
                                     s.path + "'");
  }
  std::string missing;
  for (uint32_t i = 0; i < a.count; ++i)
    if (!by_index.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  if (!missing.empty())
    return Status::InvalidArgument("merge: missing shards " + missing + " of " +
                                   std::to_string(a.count) +
                                   " (given: " + std::to_string(shards.size()) + " stores)");
  // Shards of `mnemo run` may read N copies of a config that differ only in "shard": where
  // each was read from (_resolved_path) is not part of what ran.
  auto comparable = [](const nlohmann::json& c) {
    nlohmann::json out = WithoutShard(c);
    if (out.is_object()) out.erase("_resolved_path");
    return out;
  };
  const nlohmann::json config = comparable(a.run.config);
  for (const Shard& s : shards) {
    auto mismatch = [&](const std::string& what) {
      return Status::InvalidArgument("merge: mismatched shards: '" + s.path + "' and '" + a.path +
                                     "' " + what);
    };
    if (s.run.name != a.run.name || comparable(s.run.config) != config)
      return mismatch("ran different configs (run '" + s.run.name + "' and '" + a.run.name + "')");
    if (s.jobs.size() != a.jobs.size())
      return mismatch("ran different jobs (" + std::to_string(s.jobs.size()) + " and " +
                      std::to_string(a.jobs.size()) + ")");
    for (size_t k = 0; k < a.jobs.size(); ++k) {
      const ShardJob& x = s.jobs[k];
      const ShardJob& y = a.jobs[k];
      if (JobKey(x) != JobKey(y))
        return mismatch("ran different jobs ('" + JobKey(x) + "' and '" + JobKey(y) + "')");
      if (x.shard.config_fingerprint != y.shard.config_fingerprint)
        return mismatch("ran task '" + JobKey(x) + "' with different configs (fingerprints " +
                        x.shard.config_fingerprint + " and " + y.shard.config_fingerprint + ")");
      if (x.model_fingerprint != y.model_fingerprint)
        return mismatch("ran task '" + JobKey(x) + "' on different models (fingerprints " +
                        x.model_fingerprint + " and " + y.model_fingerprint + ")");
    }
  }
  return Status::Ok();
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

nlohmann::json WithoutShard(nlohmann::json config) {
  if (!config.is_object()) return config;
  config.erase("shard");
  if (config.contains("jobs") && config["jobs"].is_array())
    for (auto& j : config["jobs"])
      if (j.is_object()) j.erase("shard");
  return config;
}

namespace {

// Every shard read (ReadShard) and the set checked (CheckShardSet).
Result<std::vector<Shard>> ReadShards(const std::vector<std::string>& paths,
                                      const std::vector<RunStore*>& stores) {
  if (stores.empty() || stores.size() != paths.size())
    return Status::InvalidArgument("merge: no shard stores given");
  std::vector<Shard> shards(stores.size());
  for (size_t i = 0; i < stores.size(); ++i) {
    shards[i].path = paths[i];
    shards[i].store = stores[i];
    MNEMO_RETURN_IF_ERROR(ReadShard(&shards[i]));
  }
  MNEMO_RETURN_IF_ERROR(CheckShardSet(shards));
  return shards;
}

}  // namespace

Status CheckTaskShards(const std::vector<std::string>& paths,
                       const std::vector<RunStore*>& stores) {
  return ReadShards(paths, stores).status();
}

Result<MergeSummary> MergeTaskShards(const std::vector<std::string>& paths,
                                     const std::vector<RunStore*>& stores, RunStore* into) {
  auto read = ReadShards(paths, stores);
  if (!read.ok()) return read.status();
  std::vector<Shard> shards = std::move(read).value();
  std::sort(shards.begin(), shards.end(),
            [](const Shard& a, const Shard& b) { return a.index < b.index; });
  const Shard& first = shards.front();

  auto session =
      RunSession::Begin(into, first.run.name, WithoutShard(first.run.config), first.run.seed);
  if (!session.ok()) return session.status();
  MergeSummary out;
  out.run_id = session->run_id();
  out.shards = first.count;
  Status st = [&]() -> Status {
    std::map<int64_t, int64_t> model_ids;  // first shard's model id -> merged store's
    for (const auto& rm : first.models) {
      auto model = first.store->GetModel(rm.model_id);
      if (!model.ok()) return model.status();
      ModelRecord m = *model;
      MNEMO_RETURN_IF_ERROR(into->UpsertModel(&m));
      RunModelRecord merged = rm;
      merged.run_id = out.run_id;
      merged.model_id = m.id;
      MNEMO_RETURN_IF_ERROR(into->RecordRunModel(merged));
      model_ids[rm.model_id] = m.id;
    }
    for (size_t k = 0; k < first.jobs.size(); ++k) {
      const ShardJob& proto = first.jobs[k];
      JobRecord job;
      job.run_id = out.run_id;
      job.model_id = model_ids.count(proto.job.model_id) ? model_ids[proto.job.model_id] : 0;
      job.kind = proto.job.kind;
      job.name = proto.job.name;
      job.config = proto.job.config;
      MNEMO_RETURN_IF_ERROR(into->BeginJob(&job));
      const nlohmann::json& plan = proto.shard.plan;
      std::vector<SampleRecord> samples;
      int64_t n_requests = 0, n_cached = 0;
      for (const Shard& s : shards) {
        const ShardJob& sj = s.jobs[k];
        auto rows = s.store->GetSamples(sj.job.id);
        if (!rows.ok()) return rows.status();
        for (auto& r : *rows) samples.push_back(std::move(r));
        n_requests += sj.job.n_requests;
        n_cached += sj.job.n_cached;
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
      const std::string where = "merge: task '" + JobKey(proto) + "'";
      auto metrics = MetricsFromSamples(plan, data, where);
      if (!metrics.ok()) return metrics.status();
      std::vector<MetricRecord> records;
      for (const auto& m : *metrics)
        records.push_back({m.name, m.filter, m.value, m.stderr_value, m.n, m.higher_is_better});
      MNEMO_RETURN_IF_ERROR(into->Begin());
      Status w = into->PutSamples(job.id, sorted);
      if (w.ok()) w = into->PutMetrics(job.id, records);
      if (w.ok()) w = into->FinishJob(job.id, "finished", n_requests, n_cached);
      if (w.ok()) w = into->Commit();
      if (!w.ok()) {
        (void)into->Rollback();
        return w;
      }
      ++out.jobs;
      out.samples += sorted.size();
    }
    for (const Shard& s : shards) MNEMO_RETURN_IF_ERROR(into->CopyResponsesFrom(s.path));
    return Status::Ok();
  }();
  session->Finish(st);
  if (!st.ok()) return st;
  return out;
}

}  // namespace mnemo
