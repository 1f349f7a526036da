// Parsing `scontrol show job -o <id>`: one line per job, or per array task, of Key=Value
// fields separated by spaces. For a job array Slurm prints one line per task that has started
// or finished and one line for the tasks still pending together, whose ArrayTaskId is a set
// ("0-3%2", "2,5", "1-5%1": ranges and lists, an optional %throttle).
//
// Thread-safety: pure functions.
#ifndef MNEMO_HARNESS_APP_SLURM_SCONTROL_JOB_H_
#define MNEMO_HARNESS_APP_SLURM_SCONTROL_JOB_H_

#include <cstddef>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace mnemo {
namespace slurm {

struct ScontrolJob {
  std::string job_id;               // JobId
  std::string array_job_id;         // ArrayJobId ("" for a job that is not an array)
  std::vector<size_t> array_tasks;  // ArrayTaskId expanded ({} when not an array)
  std::string state;                // JobState: PENDING, RUNNING, COMPLETED, FAILED, ...
  std::string reason;               // Reason: None, Dependency, DependencyNeverSatisfied, ...
  std::string exit_code;            // ExitCode as printed, "code:signal"
};

// Expands an ArrayTaskId value: "0-3%2" -> {0,1,2,3}; "2,5" -> {2,5}; "7" -> {7}; steps
// ("0-6:2") too. InvalidArgument naming the text when it is not such a set.
Result<std::vector<size_t>> ExpandArrayTaskIds(const std::string& text);

// One line of `scontrol show job -o`. InvalidArgument when JobId or JobState is missing.
Result<ScontrolJob> ParseScontrolJobLine(const std::string& line);

// Every non-empty line of the command's output.
Result<std::vector<ScontrolJob>> ParseScontrolShowJob(const std::string& text);

// Whether Slurm may still run (or is running) a job in this state: PENDING, RUNNING,
// COMPLETING, CONFIGURING, SUSPENDED, REQUEUED, ... ; false for terminal states (COMPLETED,
// FAILED, CANCELLED, TIMEOUT, NODE_FAIL, PREEMPTED, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE) and
// for "" (unknown to Slurm: never submitted, or forgotten after MinJobAge).
bool IsActiveState(const std::string& state);

}  // namespace slurm
}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_SLURM_SCONTROL_JOB_H_
