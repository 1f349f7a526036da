#include "harness/app/run_loop.h"

#include <cstdio>

#include "harness/core/metric_format.h"
#include "harness/jobs/interrupt.h"
#include "harness/scheduler/scheduler.h"

namespace mnemo {

namespace {

// "run.json: field 'models[2]' (model 'third'): " for an error about `m`.
std::string ModelOrigin(const RunModel& m) {
  return (m.origin.empty() ? std::string() : m.origin + " ") + "(model '" + m.name + "'): ";
}

// `m`'s opened model: the one it already holds, else one opened into `*owned` (the activity
// names what the Ctrl-C notice waits for).
Result<OpenedModel*> ModelOf(RunModel& m, std::optional<OpenedModel>* owned,
                             const std::string& activity) {
  if (m.opened != nullptr) return m.opened;
  SetRunActivity(activity);
  auto opened = OpenModelSpec(m.spec, m.options);
  if (!opened.ok()) return opened.status();
  owned->emplace(std::move(opened).value());
  return &**owned;
}

// Clears the Ctrl-C notice's activity when the loop returns.
struct ActivityReset {
  ~ActivityReset() { SetRunActivity(""); }
};

}  // namespace

Status PreflightModels(std::vector<RunModel>& models,
                       const std::vector<std::unique_ptr<JobDriver>>& jobs,
                       std::optional<OpenedModel>* first) {
  ValidateContext vc;
  for (const auto& m : models) vc.model_specs.push_back(m.spec);
  for (const auto& job : jobs) MNEMO_RETURN_IF_ERROR(job->Validate(vc));
  bool any_model_job = false;
  for (const auto& job : jobs) any_model_job = any_model_job || job->needs_model();
  if (!any_model_job) return Status::Ok();
  ActivityReset reset;
  for (size_t i = models.size(); i-- > 0;) {
    RunModel& m = models[i];
    if (StopRequested()) return Status::Cancelled("stopped while checking model '" + m.name + "'");
    std::optional<OpenedModel> owned;
    auto om = ModelOf(m, &owned, "opening model '" + m.name + "' to check it");
    if (!om.ok()) return Status(om.status().code(), ModelOrigin(m) + om.status().message());
    JobModel jm{*om, DescribeModel(**om, m.name), m.name};
    for (const auto& job : jobs) {
      if (!job->needs_model()) continue;
      Status st = job->CheckModel(jm);
      if (!st.ok()) return Status(st.code(), ModelOrigin(m) + st.message());
    }
    if (i == 0 && owned) {
      *first = std::move(owned);
      m.opened = &**first;
    }
  }
  return Status::Ok();
}

Status RunJobs(RunSession* session, std::vector<RunModel>& models,
               const std::vector<std::unique_ptr<JobDriver>>& jobs, const RunContext& base,
               JobOutcome* out) {
  ValidateContext vc;
  for (const auto& m : models) vc.model_specs.push_back(m.spec);
  for (const auto& job : jobs) MNEMO_RETURN_IF_ERROR(job->Validate(vc));
  RunContext ctx = base;
  ctx.store = session->store();
  ctx.run_id = session->run_id();
  ActivityReset reset;
  bool any_model_job = false;
  for (const auto& job : jobs) any_model_job = any_model_job || job->needs_model();
  for (auto& m : models) {
    if (!any_model_job) break;
    if (StopRequested()) return Status::Cancelled("stopped before model '" + m.name + "'");
    std::optional<OpenedModel> owned;
    auto om = ModelOf(m, &owned, "opening model '" + m.name + "'");
    if (!om.ok()) return om.status();
    auto record = session->RecordModel(**om, m.name);
    if (!record.ok()) return record.status();
    JobModel jm{*om, std::move(record).value(), m.name};
    for (const auto& job : jobs)
      if (job->needs_model()) MNEMO_RETURN_IF_ERROR(job->CheckModel(jm));
    for (const auto& job : jobs) {
      if (StopRequested()) return Status::Cancelled("stopped before a job of '" + m.name + "'");
      if (!job->needs_model()) continue;
      SetRunActivity(std::string("job ") + job->kind() + " of model '" + m.name + "'");
      MNEMO_RETURN_IF_ERROR(job->RunForModel(ctx, jm, out));
    }
  }
  for (const auto& job : jobs) {
    if (StopRequested()) return Status::Cancelled("stopped before a model-free job");
    if (job->needs_model()) continue;
    SetRunActivity(std::string("job ") + job->kind());
    MNEMO_RETURN_IF_ERROR(job->RunOnce(ctx, out));
  }
  return Status::Ok();
}

Status RunJobOnce(JobDriver* job, const RunContext& ctx, JobOutcome* out) {
  MNEMO_RETURN_IF_ERROR(job->Validate(ValidateContext{}));
  return job->RunOnce(ctx, out);
}

void PrintRunSummary(const JobOutcome& out) {
  std::printf("%-20s %-15s %-16s %-16s %11s %8s %6s\n", "model", "task", "metric", "filter",
              "value", "stderr", "n");
  for (const auto& l : out.lines) {
    std::string se = FormatStderr(l.stderr_value);  // harness/core/metric_format.h
    std::printf("%-20s %-15s %-16s %-16s %11s %8s %6lld\n", l.model.c_str(), l.job.c_str(),
                l.metric.c_str(), l.filter.c_str(), FormatMetric(l.value).c_str(), se.c_str(),
                static_cast<long long>(l.n));
  }
  std::printf("requests: %zu reused from the run store, %zu computed\n", out.reused, out.computed);
}

}  // namespace mnemo
