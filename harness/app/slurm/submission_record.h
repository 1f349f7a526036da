// The state of one `mnemo slurm submit` folder, DIR/slurm.json: what was submitted (the job
// kind, its arguments, the shard count, the mnemo binary, the working folder, the resources)
// and every submission of it (the first one, then each `mnemo slurm resume`): the array job's
// id with the shards it ran, and the merge job's id.
//
// Thread-safety: pure functions; the file is written whole (a temporary file renamed), so a
// reader sees the old or the new record, never a mix. One writer per folder at a time.
#ifndef MNEMO_HARNESS_APP_SLURM_SUBMISSION_RECORD_H_
#define MNEMO_HARNESS_APP_SLURM_SUBMISSION_RECORD_H_

#include <cstddef>
#include <string>
#include <vector>

#include "harness/app/slurm/sbatch_script.h"
#include "harness/core/status.h"

namespace mnemo {
namespace slurm {

struct Submission {
  std::string array_job;       // "" when only a merge job was submitted
  std::vector<size_t> shards;  // the array's task ids
  std::string merge_job;
  std::string submitted_at;  // UTC, ISO 8601
};

struct SubmissionRecord {
  static constexpr int kVersion = 1;
  std::string kind = "decontam";
  std::vector<std::string> spec;  // the job's arguments as given
  size_t shards = 0;
  std::string mnemo;    // the binary the scripts run
  std::string workdir;  // absolute
  SbatchResources resources;
  std::vector<Submission> submissions;

  // The array job that ran `shard` last ("" if none did).
  std::string ArrayJobOf(size_t shard) const;
  // The merge job submitted last ("" if none).
  std::string LastMergeJob() const;
};

// DIR/slurm.json.
std::string RecordPath(const std::string& dir);
Status SaveRecord(const std::string& dir, const SubmissionRecord& r);
// NotFound when DIR holds no slurm.json; InvalidArgument naming the file and field when it
// cannot be read.
Result<SubmissionRecord> LoadRecord(const std::string& dir);

// Now, UTC, "2026-01-31T12:00:00Z".
std::string UtcNow();

}  // namespace slurm
}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_SLURM_SUBMISSION_RECORD_H_
