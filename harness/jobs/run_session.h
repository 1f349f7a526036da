// The one place a run starts and ends: a runs row with the version, host, process, seed and
// config; every model the run uses recorded (models, run_models); the final status from the
// outcome. `mnemo run` and every subcommand that writes a store go through it.
//
// Resuming (docs/store.md, "Run lifecycle"): a run is never reopened. Running the same config
// again on the same store begins a new run, which reuses every completed request through the
// cache, and Begin links each earlier unfinished run of the same name and config whose
// process is gone to it (runs.resumed_by; a killed one becomes "interrupted").
//
// Ownership: borrows the store, which must outlive the session. A session that began the run
// finishes it (Finish, or "failed" on destruction without Finish); one attached to an existing
// run never finishes it. Thread-safety: one thread, like the store.
#ifndef MNEMO_HARNESS_JOBS_RUN_SESSION_H_
#define MNEMO_HARNESS_JOBS_RUN_SESSION_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/jobs/opened_model.h"
#include "harness/store/run_store.h"

namespace mnemo {

class RunSession {
 public:
  // Begins a new run named `name`; `config` is stored as the run's config. Links the earlier
  // runs it resumes (RunStore::LinkResumedRuns; see resumed()).
  static Result<RunSession> Begin(RunStore* store, const std::string& name, nlohmann::json config,
                                  uint64_t seed);
  // Joins run `run_id` of `store` (which must exist) without owning its status.
  static Result<RunSession> Attach(RunStore* store, int64_t run_id);

  RunSession(RunSession&& other) noexcept;
  RunSession& operator=(RunSession&&) = delete;
  RunSession(const RunSession&) = delete;
  ~RunSession();

  RunStore* store() const { return store_; }
  int64_t run_id() const { return run_id_; }
  // The unfinished runs this run resumes, as they were before Begin linked them (oldest
  // first); empty for an attached session.
  const std::vector<RunRecord>& resumed() const { return resumed_; }

  // Records the model of `om` (deduplicated on backend, path and fingerprint) and that this
  // run used it as `display_name`, with how its backend computed.
  Result<ModelRecord> RecordModel(const OpenedModel& om, const std::string& display_name);

  // "finished", "interrupted" (cancelled or Ctrl-C) or "failed" from `outcome`; records it
  // when this session began the run. Returns the status word.
  std::string Finish(const Status& outcome);

 private:
  RunSession(RunStore* store, int64_t run_id, bool owns)
      : store_(store), run_id_(run_id), owns_(owns) {}
  RunStore* store_;
  int64_t run_id_;
  bool owns_;
  bool finished_ = false;
  std::vector<RunRecord> resumed_;
};

// The model record RunSession stores for `om`, without a store (for reports of a dry run).
ModelRecord DescribeModel(const OpenedModel& om, const std::string& display_name);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_JOBS_RUN_SESSION_H_
