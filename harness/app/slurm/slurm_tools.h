// Runs Slurm's client tools (sbatch, scontrol) found on PATH, without a shell.
//
// Thread-safety: each call runs one child process; calls may run concurrently.
#ifndef MNEMO_HARNESS_APP_SLURM_SLURM_TOOLS_H_
#define MNEMO_HARNESS_APP_SLURM_SLURM_TOOLS_H_

#include <string>
#include <vector>

#include "harness/app/slurm/scontrol_job.h"
#include "harness/core/status.h"

namespace mnemo {
namespace slurm {

struct ToolOutput {
  int exit_code = -1;  // 128 + signal when the tool was killed
  std::string out, err;
};

// Runs argv[0] (looked up on PATH) with argv; collects stdout and stderr. Unavailable when it
// cannot be started (e.g. Slurm's tools are not installed).
Result<ToolOutput> RunTool(const std::vector<std::string>& argv);

// `sbatch --parsable FLAGS... SCRIPT`: the new job's id. Unavailable with sbatch's message
// when it refuses.
Result<std::string> Sbatch(const std::vector<std::string>& flags, const std::string& script);

// `scontrol show job -o ID`: its lines; empty when Slurm no longer knows the job (finished
// more than MinJobAge ago) or never did.
Result<std::vector<ScontrolJob>> ShowJob(const std::string& job_id);

}  // namespace slurm
}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_SLURM_SLURM_TOOLS_H_
