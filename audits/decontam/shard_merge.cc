#include "audits/decontam/shard_merge.h"

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "audits/decontam/audit.h"
#include "audits/decontam/item_table.h"
#include "audits/decontam/shard_state.h"

namespace mnemo::decontam {
namespace {

std::string Where(const ShardJobPart& p) {
  return "merge: shard store '" + p.path + "': decontam job '" + p.job.name + "'";
}

}  // namespace

Status CheckDecontamShards(const std::vector<ShardJobPart>& parts) {
  if (parts.empty()) return Status::InvalidArgument("merge: no decontam shard parts");
  const nlohmann::json& a = parts.front().shard.plan;
  for (const auto& p : parts) {
    const nlohmann::json& plan = p.shard.plan;
    if (!plan.is_object() || !plan.contains("audit") || !plan.contains("state") ||
        !plan.contains("task") || !plan.contains("tasks"))
      return Status::InvalidArgument(Where(p) +
                                     ": its shard plan lacks the audit parameters or the scan "
                                     "state (written by another mnemo?)");
    if (plan["task"] != p.job.name || plan["task"] != a["task"] || plan["tasks"] != a["tasks"] ||
        plan["audit"] != a["audit"])
      return Status::InvalidArgument(Where(p) + ": its plan differs from shard store '" +
                                     parts.front().path + "' (task " + plan["task"].dump() +
                                     " and " + a["task"].dump() + ")");
  }
  return Status::Ok();
}

Status MergeDecontamShards(const JobMergeInput& in, JobMergeOutput* out) {
  MNEMO_RETURN_IF_ERROR(CheckDecontamShards(in.parts));
  const ShardJobPart& first = in.parts.front();
  const nlohmann::json& plan = first.shard.plan;
  auto parsed = AuditConfigFromParams(plan["audit"]);
  if (!parsed.ok()) return Status::InvalidArgument(Where(first) + ": " + parsed.status().message());
  AuditConfig cfg = std::move(parsed).value();
  std::unique_ptr<TokenEncoder> encoder;
  const std::string units = plan["audit"].value("units", std::string("janitor words"));
  if (!cfg.tokenizer.empty()) {
    auto e = OpenSentencePiece(cfg.tokenizer);
    if (!e.ok()) return Status(e.status().code(), Where(first) + ": " + e.status().message());
    encoder = std::move(e).value();
    cfg.encoder = encoder.get();
  } else if (units != "janitor words") {
    return Status::InvalidArgument(Where(first) + ": its units (" + units +
                                   ") come from a model's tokenizer, which a merge cannot "
                                   "rebuild; shard with --tokenizer FILE instead");
  }
  auto built = BuildAuditIndex(cfg);
  if (!built.ok())
    return Status(built.status().code(), Where(first) + ": " + built.status().message());
  const AuditIndex& ai = *built;

  std::vector<std::pair<std::string, nlohmann::json>> states;
  for (const auto& p : in.parts) states.emplace_back(Where(p), p.shard.plan["state"]);
  auto scan = MergeShardStateJsons(states, *ai.index, cfg.evidence);
  if (!scan.ok()) return scan.status();

  std::vector<ItemVerdict> verdicts;
  std::vector<nlohmann::json> evidence;
  JudgeItems(cfg, ai, *scan, &verdicts, &evidence);
  const std::string task = plan["task"].get<std::string>();
  std::vector<size_t> which;
  for (size_t i = 0; i < ai.items.size(); ++i)
    if (ai.items[i].task == task) which.push_back(i);
  if (which.empty())
    return Status::InvalidArgument(Where(first) + ": the audit parameters give task '" + task +
                                   "' no items");

  cfg.store = in.into;
  cfg.run_id = in.run_id;
  cfg.quiet = true;
  MNEMO_RETURN_IF_ERROR(
      in.into->SetJobConfig(in.merged->id, AuditJobConfig(cfg, ai.options, scan->stats)));
  TaskSummary ts;
  ts.task = task;
  MNEMO_RETURN_IF_ERROR(
      WriteTaskRows(cfg, ai, which, verdicts, evidence, in.merged->id, nullptr, &ts));
  out->rows += which.size();

  // The job's last task: rescore the merged run's task jobs, as one process does after all of
  // the job's tasks.
  const nlohmann::json& tasks = plan["tasks"];
  if (!cfg.rescore_after_merge || tasks.empty() || tasks.back() != task) return Status::Ok();
  std::map<std::string, std::map<int64_t, bool>> clean;
  for (size_t i : which) clean[task][ai.items[i].index] = verdicts[i].status == "clean";
  auto jobs = in.into->ListJobs(in.run_id);
  if (!jobs.ok()) return jobs.status();
  for (const auto& t : tasks) {
    const std::string name = t.get<std::string>();
    if (name == task) continue;
    int64_t job_id = 0;  // the job's row for `name`: the last decontam row before this one
    for (const auto& j : *jobs)
      if (j.kind == "decontam" && j.name == name && j.id < in.merged->id) job_id = j.id;
    if (job_id == 0)
      return Status::InvalidArgument(Where(first) +
                                     ": the merged run has no decontam job for "
                                     "task '" +
                                     name + "' to rescore with");
    auto rows = ListItems(*in.into, job_id);
    if (!rows.ok()) return rows.status();
    auto& m = clean[name];
    for (const auto& r : *rows)
      if (r.doc_index) m[*r.doc_index] = r.status == "clean";
  }
  cfg.rescore_run = in.run_id;
  AuditReport report;
  return RescoreTasks(cfg, ai.options, clean, &report, &out->derived_jobs);
}

JobMergeKind DecontamMergeKind() {
  return {"decontam", &CheckDecontamShards, &MergeDecontamShards};
}

JobMergeKind DecontamRescoreMergeKind() {
  return {"decontam_rescore", nullptr, nullptr};
}

}  // namespace mnemo::decontam
