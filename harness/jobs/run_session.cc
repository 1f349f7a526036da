#include "harness/jobs/run_session.h"

#include <unistd.h>

#include "harness/scheduler/scheduler.h"

namespace mnemo {

Result<RunSession> RunSession::Begin(RunStore* store, const std::string& name,
                                     nlohmann::json config, uint64_t seed) {
  RunRecord run;
  run.name = name;
  run.config = std::move(config);
  run.mnemo_version = MNEMO_VERSION;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  run.host = host;
  run.seed = seed;
  MNEMO_RETURN_IF_ERROR(store->BeginRun(&run));
  RunSession session(store, run.id, /*owns=*/true);
  auto resumed = store->LinkResumedRuns(run);
  if (!resumed.ok()) return resumed.status();  // the session marks the new run failed
  session.resumed_ = std::move(resumed).value();
  return Result<RunSession>(std::move(session));
}

Result<RunSession> RunSession::Attach(RunStore* store, int64_t run_id) {
  auto run = store->GetRun(run_id);
  if (!run.ok()) return run.status();
  return RunSession(store, run_id, /*owns=*/false);
}

RunSession::RunSession(RunSession&& other) noexcept
    : store_(other.store_),
      run_id_(other.run_id_),
      owns_(other.owns_),
      finished_(other.finished_),
      resumed_(std::move(other.resumed_)) {
  other.owns_ = false;
}

RunSession::~RunSession() {
  if (owns_ && !finished_) (void)store_->FinishRun(run_id_, "failed");
}

ModelRecord DescribeModel(const OpenedModel& om, const std::string& display_name) {
  const ModelInfo& info = om.model->info();
  ModelRecord record;
  record.backend = om.backend->plugin().manifest.name;
  record.backend_version = om.backend->plugin().info.version;
  auto spec = ParseModelSpec(om.spec);
  record.path = spec.ok() ? spec->path : om.spec;
  record.fingerprint = info.fingerprint;
  record.info = {{"name", display_name},    {"model_name", info.name},
                 {"n_ctx", info.n_ctx},     {"n_ctx_train", info.n_ctx_train},
                 {"n_vocab", info.n_vocab}, {"caps", info.caps}};
  return record;
}

Result<ModelRecord> RunSession::RecordModel(const OpenedModel& om,
                                            const std::string& display_name) {
  ModelRecord record = DescribeModel(om, display_name);
  MNEMO_RETURN_IF_ERROR(store_->UpsertModel(&record));
  RunModelRecord rm;
  rm.run_id = run_id_;
  rm.name = display_name;
  rm.model_id = record.id;
  // The backend client keeps "" (stated none) or a JSON object's text (ModelInfo).
  const std::string& runtime = om.model->info().runtime_json;
  if (!runtime.empty()) rm.runtime = nlohmann::json::parse(runtime);
  MNEMO_RETURN_IF_ERROR(store_->RecordRunModel(rm));
  return record;
}

std::string RunSession::Finish(const Status& outcome) {
  const bool interrupted = outcome.code() == StatusCode::kCancelled || StopRequested();
  std::string word = interrupted ? "interrupted" : outcome.ok() ? "finished" : "failed";
  if (owns_ && !finished_) (void)store_->FinishRun(run_id_, word);
  finished_ = true;
  return word;
}

}  // namespace mnemo
