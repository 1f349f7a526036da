// What one shard of a run config asks Slurm for (--mem, --time) when the user gives neither,
// estimated from the config's inputs as files on disk: the largest model (its GGUF bytes are
// mapped and its KV cache sits beside them), the corpus bytes the shard scans (decontamination
// and PII split corpora by bytes; memorisation reads its corpus whole in every shard), the
// probes it decodes and a flat allowance per task job (documents are not counted without
// loading the tasks). The rates are deliberately slow CPU figures (docs/slurm.md, "Resource
// estimates"); the estimate doubles them and rounds up, and prints its basis, because a
// request that is too small kills the shard while one that is too large only waits longer.
//
// Thread-safety: pure function (reads file sizes).
#ifndef MNEMO_HARNESS_APP_SLURM_RUN_ESTIMATE_H_
#define MNEMO_HARNESS_APP_SLURM_RUN_ESTIMATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo {
namespace slurm {

struct ShardEstimate {
  uint64_t mem_bytes = 0;
  uint64_t seconds = 0;
  std::string mem;                 // sbatch --mem, e.g. "6G"
  std::string time;                // sbatch --time, "HH:MM:SS"
  std::vector<std::string> basis;  // one line per input that went into the figures
};

// `config`: a run config as parsed JSON; `config_dir`: where its relative paths resolve.
// Errors name the config field whose file or pattern is missing.
Result<ShardEstimate> EstimateRunShard(const nlohmann::json& config, const std::string& config_dir,
                                       size_t shards, size_t cpus_per_task);

}  // namespace slurm
}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_SLURM_RUN_ESTIMATE_H_
