#include "harness/jobs/shard_merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "harness/jobs/run_session.h"

namespace mnemo {
namespace {

// A shard as found in its store.
struct Shard {
  std::string path;
  RunStore* store = nullptr;
  RunRecord run;
  std::vector<RunModelRecord> models;
  std::vector<ShardJobPart> jobs;               // in id order, derived kinds left out
  std::vector<std::string> model_fingerprints;  // per job
  uint32_t index = 0, count = 1;
};

std::string JobKey(const ShardJobPart& j) {
  return (j.model_name.empty() ? "" : j.model_name + "/") + j.job.name + " (" + j.job.kind + ")";
}

Status Refuse(const std::string& path, const std::string& what) {
  return Status::InvalidArgument("merge: shard store '" + path + "': " + what);
}

const JobMergeKind* FindKind(const std::vector<JobMergeKind>& kinds, const std::string& kind) {
  for (const auto& k : kinds)
    if (kind == k.store_kind) return &k;
  return nullptr;
}

std::string Spec(uint32_t index, uint32_t count) {
  return std::to_string(index) + "/" + std::to_string(count);
}

// The newest run of `s.store` with shard jobs, read and checked on its own.
Status ReadShard(const std::vector<JobMergeKind>& kinds, Shard* s) {
  auto runs = s->store->ListRuns();
  if (!runs.ok()) return runs.status();
  std::vector<JobRecord> rows;
  std::map<int64_t, JobShardRecord> shard_rows;
  for (auto r = runs->rbegin(); r != runs->rend(); ++r) {
    auto jobs = s->store->ListJobs(r->id);
    if (!jobs.ok()) return jobs.status();
    std::map<int64_t, JobShardRecord> found;
    for (const auto& j : *jobs) {
      auto sh = s->store->GetJobShard(j.id);
      if (!sh.ok()) return sh.status();
      if (*sh) found[j.id] = **sh;
    }
    if (found.empty()) continue;
    s->run = *r;
    rows = std::move(jobs).value();
    shard_rows = std::move(found);
    break;
  }
  if (rows.empty())
    return Refuse(s->path, "holds no shard run (run it with --shard i/N); nothing to merge");
  auto models = s->store->ListRunModels(s->run.id);
  if (!models.ok()) return models.status();
  s->models = std::move(models).value();
  std::map<int64_t, std::string> names;
  for (const auto& m : s->models) names[m.model_id] = m.name;
  const std::string in_run = " (run " + std::to_string(s->run.id) + ")";
  for (const auto& row : rows) {
    const JobMergeKind* kind = FindKind(kinds, row.kind);
    if (kind != nullptr && kind->merge == nullptr) continue;  // derived: its owner rewrites it
    ShardJobPart part;
    part.path = s->path;
    part.store = s->store;
    part.job = row;
    part.model_name = names.count(row.model_id) ? names[row.model_id] : "";
    if (kind == nullptr)
      return Refuse(s->path, "job '" + JobKey(part) + "'" + in_run + " is of a kind merge cannot " +
                                 "combine");
    auto sh = shard_rows.find(row.id);
    if (sh == shard_rows.end())
      return Refuse(s->path, "job '" + JobKey(part) + "'" + in_run +
                                 " did not run as a shard; merge combines shard runs only");
    part.shard = sh->second;
    std::string fingerprint;
    if (row.model_id != 0) {
      auto model = s->store->GetModel(row.model_id);
      if (!model.ok()) return model.status();
      fingerprint = model->fingerprint;
    }
    s->model_fingerprints.push_back(fingerprint);
    s->jobs.push_back(std::move(part));
  }
  if (s->jobs.empty()) return Refuse(s->path, "run " + std::to_string(s->run.id) + " has no jobs");
  s->index = s->jobs.front().shard.index;
  s->count = s->jobs.front().shard.count;
  for (auto& j : s->jobs) {
    j.index = s->index;
    if (j.shard.index != s->index || j.shard.count != s->count)
      return Refuse(s->path, "jobs of run " + std::to_string(s->run.id) +
                                 " ran as different shards (" + Spec(s->index, s->count) + " and " +
                                 Spec(j.shard.index, j.shard.count) + ")");
    if (j.shard.completed_at.empty())
      return Refuse(s->path, "shard " + Spec(s->index, s->count) + " is incomplete: job '" +
                                 JobKey(j) + "'" + in_run +
                                 " has no completion marker (rerun the shard)");
  }
  // Every job it began is complete, but a run killed before a later job began has no row for
  // it: the run's own status says whether it ended.
  if (s->run.status != "finished")
    return Refuse(s->path, "shard " + Spec(s->index, s->count) + " is incomplete: run " +
                               std::to_string(s->run.id) + " is " +
                               (s->run.status.empty() ? "unfinished" : s->run.status) +
                               ", not finished (rerun the shard)");
  return Status::Ok();
}

// Refuses shards that are not the N parts of one run.
Status CheckShardSet(const std::vector<Shard>& shards) {
  const Shard& a = shards.front();
  for (const Shard& s : shards)
    if (s.count != a.count)
      return Status::InvalidArgument("merge: mismatched shards: '" + a.path + "' is shard " +
                                     Spec(a.index, a.count) + " but '" + s.path + "' is shard " +
                                     Spec(s.index, s.count));
  std::map<uint32_t, std::string> by_index;
  for (const Shard& s : shards) {
    auto [it, fresh] = by_index.emplace(s.index, s.path);
    if (!fresh)
      return Status::InvalidArgument("merge: duplicate shard " + Spec(s.index, s.count) + ": '" +
                                     it->second + "' and '" + s.path + "'");
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
      const ShardJobPart& x = s.jobs[k];
      const ShardJobPart& y = a.jobs[k];
      if (JobKey(x) != JobKey(y))
        return mismatch("ran different jobs ('" + JobKey(x) + "' and '" + JobKey(y) + "')");
      if (x.shard.config_fingerprint != y.shard.config_fingerprint)
        return mismatch("ran job '" + JobKey(x) + "' with different configs or inputs " +
                        "(fingerprints " + x.shard.config_fingerprint + " and " +
                        y.shard.config_fingerprint + ")");
      if (s.model_fingerprints[k] != a.model_fingerprints[k])
        return mismatch("ran job '" + JobKey(x) + "' on different models (fingerprints " +
                        s.model_fingerprints[k] + " and " + a.model_fingerprints[k] + ")");
    }
  }
  return Status::Ok();
}

// Every shard read (ReadShard), the set checked (CheckShardSet) and each kind's own check
// passed; sorted by index.
Result<std::vector<Shard>> ReadShards(const std::vector<std::string>& paths,
                                      const std::vector<RunStore*>& stores,
                                      const std::vector<JobMergeKind>& kinds) {
  if (stores.empty() || stores.size() != paths.size())
    return Status::InvalidArgument("merge: no shard stores given");
  std::vector<Shard> shards(stores.size());
  for (size_t i = 0; i < stores.size(); ++i) {
    shards[i].path = paths[i];
    shards[i].store = stores[i];
    MNEMO_RETURN_IF_ERROR(ReadShard(kinds, &shards[i]));
  }
  MNEMO_RETURN_IF_ERROR(CheckShardSet(shards));
  std::sort(shards.begin(), shards.end(),
            [](const Shard& a, const Shard& b) { return a.index < b.index; });
  for (size_t k = 0; k < shards.front().jobs.size(); ++k) {
    const JobMergeKind* kind = FindKind(kinds, shards.front().jobs[k].job.kind);
    if (kind->check == nullptr) continue;
    std::vector<ShardJobPart> parts;
    for (const Shard& s : shards) parts.push_back(s.jobs[k]);
    MNEMO_RETURN_IF_ERROR(kind->check(parts));
  }
  return shards;
}

}  // namespace

nlohmann::json WithoutShard(nlohmann::json config) {
  if (!config.is_object()) return config;
  config.erase("shard");
  if (config.contains("jobs") && config["jobs"].is_array())
    for (auto& j : config["jobs"])
      if (j.is_object()) j.erase("shard");
  return config;
}

Status CheckShardRuns(const std::vector<std::string>& paths, const std::vector<RunStore*>& stores,
                      const std::vector<JobMergeKind>& kinds) {
  return ReadShards(paths, stores, kinds).status();
}

Result<MergeSummary> MergeShardRuns(const std::vector<std::string>& paths,
                                    const std::vector<RunStore*>& stores,
                                    const std::vector<JobMergeKind>& kinds, RunStore* into) {
  auto read = ReadShards(paths, stores, kinds);
  if (!read.ok()) return read.status();
  const std::vector<Shard> shards = std::move(read).value();
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
    std::vector<std::map<int64_t, int64_t>> merged_ids(first.count);
    for (size_t k = 0; k < first.jobs.size(); ++k) {
      const ShardJobPart& proto = first.jobs[k];
      JobRecord job;
      job.run_id = out.run_id;
      job.model_id = model_ids.count(proto.job.model_id) ? model_ids[proto.job.model_id] : 0;
      job.kind = proto.job.kind;
      job.name = proto.job.name;
      job.config = proto.job.config;
      MNEMO_RETURN_IF_ERROR(into->BeginJob(&job));
      JobMergeInput in;
      in.into = into;
      in.run_id = out.run_id;
      in.merged = &job;
      in.merged_ids = &merged_ids;
      for (const Shard& s : shards) in.parts.push_back(s.jobs[k]);
      JobMergeOutput merged;
      MNEMO_RETURN_IF_ERROR(FindKind(kinds, job.kind)->merge(in, &merged));
      for (const Shard& s : shards) merged_ids[s.index][s.jobs[k].job.id] = job.id;
      out.jobs += 1 + merged.derived_jobs.size();
      out.rows += merged.rows;
    }
    for (const Shard& s : shards) MNEMO_RETURN_IF_ERROR(into->CopyResponsesFrom(s.path));
    return Status::Ok();
  }();
  session->Finish(st);
  if (!st.ok()) return st;
  return out;
}

}  // namespace mnemo
