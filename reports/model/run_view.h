// A run as reports see it: the run row, its jobs, and the models they used, each job tagged
// with its model's display name (the config's "name" for the model).
#ifndef MNEMO_REPORTS_MODEL_RUN_VIEW_H_
#define MNEMO_REPORTS_MODEL_RUN_VIEW_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "harness/store/run_store.h"

namespace mnemo::reports {

struct JobView {
  JobRecord job;
  std::string model_name;  // "" for model-free jobs
};

struct RunView {
  RunRecord run;
  std::vector<JobView> jobs;
  std::map<int64_t, ModelRecord> models;  // by model id
  std::vector<std::string> model_names;   // in the order the run's jobs first use them
  // How the backend computed, by model name (run_models): a JSON object, or null when the
  // backend stated nothing. A name absent here was not recorded (runs before schema 6).
  std::map<std::string, nlohmann::json> runtimes;
  // Whether the run's results are whole (harness/store/run_store.h, AssessRun): partial when
  // it did not finish (still running, killed, interrupted, failed) or a job it began did not.
  // partial_reason is one line for a banner, "" when whole, e.g. "interrupted: 3 of 4 jobs
  // finished (not: tiny_geo of 'final' interrupted); resumed by run 9". state is the status as
  // people read it ("killed" for a running run whose process is gone).
  bool partial = false;
  std::string partial_reason;
  std::string state;

  // Jobs of `kind` ("task", "memorization", ...) for a model name ("" = any).
  std::vector<const JobView*> JobsOf(const std::string& kind, const std::string& model = "") const;
  const ModelRecord* ModelOf(const JobView& job) const;
};

Result<RunView> LoadRunView(RunStore* store, int64_t run_id);

// "" → the newest run that is not partial (RunView::partial), or the newest run when none is
// whole; "all" → every run; else a comma-separated list of run ids. Errors name the store and
// the missing id. For "", `*note` (when not null) says what was chosen when it is not simply
// the newest run: "run 7, the newest, is partial (...); reporting run 6, the newest finished
// run" or "no run finished; reporting run 7, the newest (partial: ...)"; else it is cleared.
Result<std::vector<int64_t>> ResolveRunIds(RunStore* store, const std::string& spec,
                                           std::string* note = nullptr);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_MODEL_RUN_VIEW_H_
