#include "audits/memorization/shard_merge.h"

#include <string>
#include <utility>

#include "audits/memorization/audit.h"
#include "audits/memorization/probe_table.h"
#include "audits/memorization/store_writer.h"
#include "audits/memorization/summary.h"
#include "harness/store/owned_tables.h"

namespace mnemo {
namespace memorization {
namespace {

std::string Where(const ShardJobPart& p) {
  return "merge: shard store '" + p.path + "': memorization job '" + p.job.name + "' (job " +
         std::to_string(p.job.id) + ", shard " + std::to_string(p.shard.index) + "/" +
         std::to_string(p.shard.count) + ")";
}

// The slice a shard's plan records: {"probes": P, "begin", "end"}.
Status ReadSlice(const ShardJobPart& p, size_t* total, ProbeSlice* slice) {
  const nlohmann::json& plan = p.shard.plan;
  for (const char* k : {"probes", "begin", "end"})
    if (!plan.is_object() || !plan.contains(k) || !plan[k].is_number_unsigned())
      return Status::InvalidArgument(Where(p) + ": its shard plan has no count '" + k +
                                     "' (not written by this mnemo's memorisation audit)");
  *total = plan["probes"].get<size_t>();
  slice->begin = plan["begin"].get<size_t>();
  slice->end = plan["end"].get<size_t>();
  return Status::Ok();
}

std::vector<std::string> GroupBy(const nlohmann::json& config) {
  std::vector<std::string> out;
  if (config.is_object() && config.contains("group_by") && config["group_by"].is_array())
    for (const auto& k : config["group_by"])
      if (k.is_string()) out.push_back(k.get<std::string>());
  return out;
}

}  // namespace

Status CheckMemorizationShards(const std::vector<ShardJobPart>& parts) {
  size_t first_total = 0;
  for (size_t k = 0; k < parts.size(); ++k) {
    const ShardJobPart& p = parts[k];
    size_t total = 0;
    ProbeSlice slice;
    MNEMO_RETURN_IF_ERROR(ReadSlice(p, &total, &slice));
    if (k == 0) first_total = total;
    if (total != first_total)
      return Status::InvalidArgument(Where(p) + ": has " + std::to_string(total) +
                                     " probes in all, but '" + parts[0].path + "' has " +
                                     std::to_string(first_total));
    const ProbeSlice want = SliceOf(ShardSpec{p.shard.index, p.shard.count}, total);
    if (slice.begin != want.begin || slice.end != want.end)
      return Status::InvalidArgument(
          Where(p) + ": decoded probes [" + std::to_string(slice.begin) + ", " +
          std::to_string(slice.end) + ") of " + std::to_string(total) + ", not its slice [" +
          std::to_string(want.begin) + ", " + std::to_string(want.end) + ")");
    auto rows = CountProbes(*p.store, p.job.id);
    if (!rows.ok()) return rows.status();
    if (static_cast<size_t>(*rows) != slice.end - slice.begin)
      return Status::InvalidArgument(
          Where(p) + ": holds " + std::to_string(*rows) + " probe rows for its " +
          std::to_string(slice.end - slice.begin) + " probes (rerun the shard)");
  }
  return Status::Ok();
}

Status MergeMemorizationJob(const JobMergeInput& in, JobMergeOutput* out) {
  MNEMO_RETURN_IF_ERROR(CheckMemorizationShards(in.parts));
  std::vector<Probe> probes;
  std::vector<ProbeOutcome> outcomes;
  int64_t requests = 0, cached = 0;
  // Slices tile [0, P) in shard order (checked), so concatenating gives the probe order.
  for (const ShardJobPart& p : in.parts) {
    auto rows = ReadStoredProbes(*p.store, p.job.id);
    if (!rows.ok()) return rows.status();
    for (size_t i = 0; i < rows->probes.size(); ++i) {
      if (rows->probes[i].index != static_cast<int64_t>(probes.size()))
        return Status::InvalidArgument(Where(p) + ": probe '" + rows->probes[i].id +
                                       "' has index " + std::to_string(rows->probes[i].index) +
                                       ", expected " + std::to_string(probes.size()));
      probes.push_back(std::move(rows->probes[i]));
      outcomes.push_back(std::move(rows->outcomes[i]));
    }
    requests += p.job.n_requests;
    cached += p.job.n_cached;
  }
  // What RunMemorizationAudit computes from the same probes in the same order.
  const std::vector<GroupSummary> groups = Summarize(probes, outcomes, GroupBy(in.merged->config));
  RunStore* into = in.into;
  MNEMO_RETURN_IF_ERROR(EnsureOwnedTables(into, kProbeTables));
  MNEMO_RETURN_IF_ERROR(into->Begin());
  Status w = PutProbeRows(into, in.merged->id, probes, outcomes);
  if (w.ok()) w = into->PutMetrics(in.merged->id, SummaryMetrics(groups));
  if (w.ok()) w = into->FinishJob(in.merged->id, "finished", requests, cached);
  if (w.ok()) w = into->Commit();
  if (!w.ok()) {
    (void)into->Rollback();
    return w;
  }
  out->rows += probes.size();
  return Status::Ok();
}

JobMergeKind MemorizationMergeKind() {
  return {"memorization", CheckMemorizationShards, MergeMemorizationJob};
}

}  // namespace memorization
}  // namespace mnemo
