// Merging the stores of one run's shards (`mnemo run --shard i/N`, `mnemo eval --shard i/N`)
// into the run a single process of the same config writes (docs/slurm.md, "Merge"). The
// run-level part lives here: which run of each store is the shard, the checks that the stores
// are the N complete parts of one run, the merged run with its models, and the jobs in their
// run order. Each job kind merges its own rows through a JobMergeKind (the table is in
// harness/app/job_kinds.cc, the only code that sees every engine).
//
// A shard run is complete when its run finished and every job has a completion marker (its
// job_shards row's completed_at, written in the same transaction as the job's last rows);
// Slurm's exit codes are not trusted. Every refusal comes before anything is written.
//
// Ownership: borrows the stores. Thread-safety: one thread, like the stores.
#ifndef MNEMO_HARNESS_JOBS_SHARD_MERGE_H_
#define MNEMO_HARNESS_JOBS_SHARD_MERGE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/store/run_store.h"

namespace mnemo {

// One job of one shard store, as the merge read it.
struct ShardJobPart {
  std::string path;           // the shard store (errors name it)
  RunStore* store = nullptr;  // opened read-only
  uint32_t index = 0;         // the shard's index i of i/N
  JobRecord job;              // the job's row in that store
  JobShardRecord shard;       // its job_shards row (completed_at set)
  std::string model_name;     // the model's display name in the run ("" for model-free jobs)
};

// What a kind's merger gets: the same job (the same place in the run's job list) from every
// shard, in shard-index order, and the merged job's row, already begun in `into` with shard
// 0's kind, name and config and the merged model id.
struct JobMergeInput {
  RunStore* into = nullptr;
  int64_t run_id = 0;           // the merged run
  JobRecord* merged = nullptr;  // begun (BeginJob); the merger writes the job's rows and
                                // finishes it (FinishJob), its rows and FinishJob in one
                                // transaction
  std::vector<ShardJobPart> parts;
  // For every shard (by index), its job ids -> the merged job ids, for the jobs merged so far
  // (a PII scan of memorised outputs maps the probes' jobs with it).
  const std::vector<std::map<int64_t, int64_t>>* merged_ids = nullptr;
};

struct JobMergeOutput {
  size_t rows = 0;  // rows written (samples, probes, findings, items)
  // Extra jobs the merger began and finished in the merged run after `merged` (derived jobs:
  // decontamination's rescored tasks), so later jobs' ids line up: shard job id -> merged id
  // per shard is not needed for them.
  std::vector<int64_t> derived_jobs;
};

// One job kind's part in a merge, by the kind its jobs rows carry ("task", "memorization",
// "pii", "decontam", ...).
struct JobMergeKind {
  const char* store_kind;
  // Extra checks before anything is written (e.g. a task the shard never began); may be null.
  Status (*check)(const std::vector<ShardJobPart>& parts);
  // Writes the merged rows. Null for derived rows (another kind's merger writes them, e.g.
  // "decontam_rescore"): the run-level merge skips such rows in the shards.
  Status (*merge)(const JobMergeInput& in, JobMergeOutput* out);
};

// The run config a shard ran with, without its shard: the top-level "shard" and the "shard" of
// every element of "jobs" removed (what a single-process run of the config records).
nlohmann::json WithoutShard(nlohmann::json config);

struct MergeSummary {
  int64_t run_id = 0;   // the merged run in `into`
  uint32_t shards = 0;  // N
  size_t jobs = 0;      // jobs merged (derived ones included)
  size_t rows = 0;      // rows written
};

// The checks MergeShardRuns makes before it writes, alone (so a caller can refuse before it
// creates the merged store). Refuses, with InvalidArgument naming the store(s): a store with no
// shard run; a job that did not run as a shard, or of a kind `kinds` cannot merge; a shard run
// that did not finish or a job without a completion marker (incomplete); shards of different
// N, config, run name, jobs, job fingerprints or model fingerprints (mismatched); the same index
// twice (duplicate); indices that do not cover 0..N-1 (missing).
Status CheckShardRuns(const std::vector<std::string>& paths, const std::vector<RunStore*>& shards,
                      const std::vector<JobMergeKind>& kinds);

// Merges the shard stores `shards` (opened read-only; `paths[i]` names shards[i] in errors) into
// a new run of `into`: the shards' run name and config without "shard", the same models and
// jobs in the same order, each job's rows from its kind's merger, and every shard's cached
// responses. Cost grows with the shards' rows, not with their inputs.
Result<MergeSummary> MergeShardRuns(const std::vector<std::string>& paths,
                                    const std::vector<RunStore*>& shards,
                                    const std::vector<JobMergeKind>& kinds, RunStore* into);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_JOBS_SHARD_MERGE_H_
