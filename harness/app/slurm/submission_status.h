// Where a submission stands: per shard, what Slurm says of the array task that ran it last
// (state, exit code) and whether the shard's own completion marker is there; the merge job's
// state and marker. The markers decide: a shard is done when its marker is there, whatever
// Slurm's exit code says (a task that never ran can show COMPLETED 0:0).
//
// Thread-safety: pure functions.
#ifndef MNEMO_HARNESS_APP_SLURM_SUBMISSION_STATUS_H_
#define MNEMO_HARNESS_APP_SLURM_SUBMISSION_STATUS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/app/slurm/scontrol_job.h"
#include "harness/app/slurm/submission_record.h"
#include "harness/core/status.h"

namespace mnemo {
namespace slurm {

struct JobStatus {
  std::string job;        // "123_4" for an array task, "125" for a job; "" when never submitted
  std::string state;      // Slurm's JobState; "" when Slurm does not know the job (any more)
  std::string exit_code;  // "code:signal", "" when unknown
  std::string reason;
  bool marker = false;  // the completion marker is there
};

struct SubmissionStatus {
  std::vector<JobStatus> shards;  // index = shard
  JobStatus merge;
  enum class Phase {
    kDone,    // every shard marker and the merge marker
    kActive,  // Slurm still runs (or will run) something the markers lack
    kStopped  // incomplete and nothing left to run: `mnemo slurm resume`
  } phase = Phase::kStopped;
  // Shards without a marker (resume resubmits the ones not active).
  std::vector<size_t> Missing() const;
  nlohmann::json ToJson() const;
};

const char* PhaseName(SubmissionStatus::Phase p);

// `show_job(id)` returns `scontrol show job -o id`'s parsed lines (empty: unknown job);
// `has_file(path)` says whether a marker exists. Both are injected so tests can use captured
// scontrol output.
Result<SubmissionStatus> ComputeStatus(
    const std::string& dir, const SubmissionRecord& record,
    const std::function<Result<std::vector<ScontrolJob>>(const std::string&)>& show_job,
    const std::function<bool(const std::string&)>& has_file);

}  // namespace slurm
}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_SLURM_SUBMISSION_STATUS_H_
