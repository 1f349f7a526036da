// The one run loop behind `mnemo run` and the CLI subcommands that run jobs (eval, audit
// memorization/pii/decontam): every job validated before any model loads; each model opened
// in turn (or given already open), recorded in the run, checked by every model job, then its
// model jobs run in order; model-free jobs run once after every model. A failure or Ctrl-C
// stops the loop; whatever finished is in the store. PreflightModels (before the run begins)
// opens and checks every model first, so a bad third model fails before the first job.
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
  // Where the model was named, for errors ("run.json: field 'models[2]'"); "" = nowhere.
  std::string origin = {};
};

// Validates every job, then opens every model of `models` that is not open and has every
// model job check it (CheckModel), so what would fail later fails now, before any store is
// touched. Errors name the model's origin and keep their code (a model file that is not a
// model is exit 2). Models are opened one at a time, last first; the first model's stays open
// in `*first` and `models[0].opened` points to it, the others are closed again (RunJobs opens
// each in turn: a model other than the first is loaded twice, the second time mostly from the
// page cache). Nothing is opened when no job needs a model.
Status PreflightModels(std::vector<RunModel>& models,
                       const std::vector<std::unique_ptr<JobDriver>>& jobs,
                       std::optional<OpenedModel>* first);

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
