// The one run loop behind `mnemo run` and the CLI subcommands that run jobs (eval, audit
// memorization/pii/decontam): every job validated before any model loads; each model opened
// in turn (or given already open), recorded in the run, checked by every model job, then its
// model jobs run in order; model-free jobs run once after every model. A failure or Ctrl-C
// stops the loop; whatever finished is in the store.
//
// Thread-safety: one thread. Ownership: borrows the session, the jobs and any open model.
#ifndef MNEMO_HARNESS_APP_RUN_LOOP_H_
#define MNEMO_HARNESS_APP_RUN_LOOP_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/jobs/job_driver.h"
#include "harness/jobs/run_session.h"

namespace mnemo {

struct RunModel {
  std::string name;  // display name in the run
  std::string spec;  // "backend:path"
  ModelOptions options;
  OpenedModel* opened = nullptr;  // already open (a CLI subcommand opens before the run)
};

// Runs `jobs` on `models` in `session`'s run. `base` supplies quiet, resources and shard; its
// store and run id come from the session.
Status RunJobs(RunSession* session, std::vector<RunModel>& models,
               const std::vector<std::unique_ptr<JobDriver>>& jobs, const RunContext& base,
               JobOutcome* out);

// Runs one model-free job (validated first); `ctx.store` may be null for a job that can write
// files only.
Status RunJobOnce(JobDriver* job, const RunContext& ctx, JobOutcome* out);

// Prints the table of `out`'s lines and the request counts, as `mnemo run` ends.
void PrintRunSummary(const JobOutcome& out);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_RUN_LOOP_H_
