// The two batch scripts of a sharded job on Slurm: a job array running one shard per task
// (SLURM_ARRAY_TASK_ID = the shard index) and a merge job over the shards' states. Each shard
// writes its state, then its completion marker (a temporary file renamed, so a marker is
// either whole or absent); the merge runs only when every marker is there, because Slurm can
// record a task that never ran as COMPLETED 0:0 (../shared/reference/slurm.md). The merge
// writes its own marker the same way when it succeeds.
//
// Thread-safety: pure functions.
#ifndef MNEMO_HARNESS_APP_SLURM_SBATCH_SCRIPT_H_
#define MNEMO_HARNESS_APP_SLURM_SBATCH_SCRIPT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace mnemo {
namespace slurm {

// What every task asks of Slurm (#SBATCH lines). Empty strings and 0 leave Slurm's default.
struct SbatchResources {
  std::string partition;
  size_t cpus_per_task = 1;
  std::string mem;                       // --mem, per node: "4G", "500M"
  std::string time;                      // --time: "01:00:00", "30", "1-00:00:00"
  size_t array_concurrency = 0;          // %K on --array: at most K shards at once (0 = no limit)
  std::vector<std::string> extra_flags;  // each becomes an "#SBATCH <flag>" line
};

// Refuses values that would break a script line (newlines) or that sbatch would reject
// late: a flag not starting with '-'. Messages name the option.
Status CheckResources(const SbatchResources& r);

struct ShardScript {
  std::string job_name;  // --job-name
  std::string out_dir;   // absolute: logs/, shards/ go here
  std::string workdir;   // absolute: --chdir, where relative paths of the command resolve
  size_t shards = 1;
  // The shard command without its shard arguments: the script appends
  // `<shard_flag> $i/N <state_flag> <out_dir>/shards/$i.<state_ext>`.
  std::vector<std::string> command;
  std::string shard_flag = "--shard", state_flag = "--state";
  std::string state_ext = "state";  // "db" for a run config's shard store
  SbatchResources resources;
};

struct MergeScript {
  std::string job_name;
  std::string out_dir, workdir;
  size_t shards = 1;
  // The merge command without its inputs: the script appends
  // `<merge_flag> <out_dir>/shards/0.<state_ext> ... <out_dir>/shards/<N-1>.<state_ext>`
  // (no flag when merge_flag is empty).
  std::vector<std::string> command;
  std::string merge_flag = "--merge";
  std::string state_ext = "state";
  SbatchResources resources;
};

// Paths inside the submission folder (`dir` as given).
std::string ShardStatePath(const std::string& dir, size_t shard, const std::string& ext = "state");
std::string ShardMarkerPath(const std::string& dir, size_t shard);
std::string MergeMarkerPath(const std::string& dir);

// The scripts' text. The array covers 0..N-1 (with %K); sbatch --array on the command line
// overrides it for a resubmission. Logs: <out_dir>/logs/%A_%a.out and merge_%j.out.
std::string RenderShardScript(const ShardScript& s);
std::string RenderMergeScript(const MergeScript& s);

}  // namespace slurm
}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_SLURM_SBATCH_SCRIPT_H_
