// The job kinds a `mnemo run` config may name, each parsed by its engine's driver
// (tasks/eval/tasks_job.h, audits/*/job.h), and how each kind's rows merge. The table lives in the
// application because only the application sees every engine.
#ifndef MNEMO_HARNESS_APP_JOB_KINDS_H_
#define MNEMO_HARNESS_APP_JOB_KINDS_H_

#include <vector>

#include "harness/jobs/job_driver.h"
#include "harness/jobs/shard_merge.h"

namespace mnemo {

struct JobKind {
  const char* name;
  JobParser parse;
};

// All job kinds, in the order error messages list them.
const JobKind* JobKinds(int* n);

// How `mnemo merge` combines each kind of jobs row (harness/jobs/shard_merge.h).
std::vector<JobMergeKind> JobMergeKinds();

}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_JOB_KINDS_H_
