#include "audits/pii/shard_merge.h"

#include <charconv>
#include <map>
#include <string>
#include <utility>

#include "audits/memorization/pii_hook.h"
#include "audits/pii/findings_table.h"
#include "datasets/io/corpus_pieces.h"

namespace mnemo::pii {
namespace {

// What one shard's job_shards plan says it scanned.
struct PartPlan {
  bool memorized = false;
  std::vector<CorpusPiece> pieces;
  std::vector<int64_t> lines;  // per piece
};

Status Refuse(const ShardJobPart& p, const std::string& what) {
  return Status::InvalidArgument("merge: shard store '" + p.path + "': pii job '" + p.job.name +
                                 "' (job " + std::to_string(p.job.id) + "): " + what);
}

Result<PartPlan> ReadPlan(const ShardJobPart& p) {
  const nlohmann::json& plan = p.shard.plan;
  PartPlan out;
  if (!plan.is_object()) return Refuse(p, "its shard plan is not an object");
  if (plan.value("memorized", false)) {
    out.memorized = true;
    return out;
  }
  if (!plan.contains("pieces") || !plan["pieces"].is_array())
    return Refuse(p, "its shard plan has no \"pieces\" list");
  for (const auto& j : plan["pieces"]) {
    auto uint_at = [&](const char* key) -> Result<uint64_t> {
      if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned())
        return Refuse(p, std::string("a piece of its shard plan lacks \"") + key + "\"");
      return j[key].get<uint64_t>();
    };
    CorpusPiece piece;
    auto file = uint_at("file");
    if (!file.ok()) return file.status();
    auto begin = uint_at("begin");
    if (!begin.ok()) return begin.status();
    auto end = uint_at("end");
    if (!end.ok()) return end.status();
    auto ordinal = uint_at("ordinal");
    if (!ordinal.ok()) return ordinal.status();
    auto lines = uint_at("lines");
    if (!lines.ok()) return lines.status();
    if (!j.contains("path") || !j["path"].is_string())
      return Refuse(p, "a piece of its shard plan lacks \"path\"");
    piece.file_index = static_cast<size_t>(*file);
    piece.path = j["path"].get<std::string>();
    piece.begin = *begin;
    piece.end = *end;
    piece.ordinal = static_cast<uint32_t>(*ordinal);
    out.pieces.push_back(std::move(piece));
    out.lines.push_back(static_cast<int64_t>(*lines));
  }
  return out;
}

// The metrics rows of every part, checked to list the same (name, filter) in the same order.
Result<std::vector<std::vector<MetricRecord>>> ReadMetrics(const std::vector<ShardJobPart>& parts) {
  std::vector<std::vector<MetricRecord>> out;
  for (const ShardJobPart& p : parts) {
    auto m = p.store->GetMetrics(p.job.id);
    if (!m.ok()) return m.status();
    out.push_back(std::move(m).value());
  }
  const auto& first = out.front();
  for (size_t k = 1; k < out.size(); ++k) {
    bool same = out[k].size() == first.size();
    for (size_t i = 0; same && i < first.size(); ++i)
      same = out[k][i].name == first[i].name && out[k][i].filter == first[i].filter;
    if (!same)
      return Refuse(parts[k], "its metrics list other entities than shard store '" +
                                  parts.front().path + "' (different catalogues or options)");
  }
  return out;
}

Result<int64_t> ParseLine(const ShardJobPart& p, const std::string& doc) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(doc.data(), doc.data() + doc.size(), v);
  if (ec != std::errc() || ptr != doc.data() + doc.size() || v < 1)
    return Refuse(p, "a finding in a piece has doc '" + doc + "', not a line number");
  return v;
}

// File scans: every shard's findings in shard order, piece lines made file lines.
Status FileFindings(const JobMergeInput& in, const std::vector<PartPlan>& plans,
                    std::vector<FindingRow>* rows) {
  std::vector<CorpusPiece> all;
  std::vector<int64_t> lines;
  for (const PartPlan& plan : plans) {
    all.insert(all.end(), plan.pieces.begin(), plan.pieces.end());
    lines.insert(lines.end(), plan.lines.begin(), plan.lines.end());
  }
  for (size_t k = 0; k < in.parts.size(); ++k) {
    const ShardJobPart& p = in.parts[k];
    auto found = ListFindings(*p.store, p.job.id);
    if (!found.ok()) return found.status();
    std::map<int64_t, int64_t> base_of;  // piece index -> lines before it in its file
    for (FindingRow& r : *found) {
      if (r.piece >= 0) {
        if (static_cast<size_t>(r.piece) >= plans[k].pieces.size())
          return Refuse(p, "a finding names piece " + std::to_string(r.piece) + " of " +
                               std::to_string(plans[k].pieces.size()) + " in its plan");
        auto it = base_of.find(r.piece);
        if (it == base_of.end()) {
          const CorpusPiece& piece = plans[k].pieces[static_cast<size_t>(r.piece)];
          auto base = FileLineBase(all, lines, piece.file_index, piece.ordinal);
          if (!base.ok())
            return Refuse(p, "cannot number the lines of its piece of '" + piece.path +
                                 "' from byte " + std::to_string(piece.begin) + ": " +
                                 base.status().message());
          it = base_of.emplace(r.piece, *base).first;
        }
        auto line = ParseLine(p, r.doc);
        if (!line.ok()) return line.status();
        r.doc = std::to_string(it->second + *line);
        r.piece = -1;
      }
      rows->push_back(std::move(r));
    }
  }
  return Status::Ok();
}

// Memorised outputs: findings in the merged run's continuation order, probe jobs mapped.
Status MemorizedFindings(const JobMergeInput& in, int64_t docs, std::vector<FindingRow>* rows) {
  if (in.merged_ids == nullptr)
    return Status::Internal("merge: a pii scan of memorised outputs needs the merged job ids");
  // (merged probe job, probe id) -> its findings, and the shard that held them.
  std::map<std::pair<int64_t, std::string>, std::pair<size_t, std::vector<FindingRow>>> by_probe;
  for (size_t k = 0; k < in.parts.size(); ++k) {
    const ShardJobPart& p = in.parts[k];
    if (p.index >= in.merged_ids->size())
      return Refuse(p, "shard index " + std::to_string(p.index) + " out of range");
    const auto& ids = (*in.merged_ids)[p.index];
    auto found = ListFindings(*p.store, p.job.id);
    if (!found.ok()) return found.status();
    std::pair<int64_t, std::string> last{-1, ""};
    for (FindingRow& r : *found) {
      auto id = ids.find(r.probe_job);
      if (id == ids.end())
        return Refuse(p, "a finding in probe '" + r.doc + "' names job " +
                             std::to_string(r.probe_job) +
                             ", not a memorisation job merged before it");
      r.probe_job = id->second;
      std::pair<int64_t, std::string> key{r.probe_job, r.doc};
      auto [it, fresh] = by_probe.try_emplace(key, k, std::vector<FindingRow>());
      if (!fresh && (it->second.first != k || key != last))
        return Refuse(p, "findings of probe '" + r.doc + "' of merged job " +
                             std::to_string(r.probe_job) + " appear twice (in '" +
                             in.parts[it->second.first].path + "' too)");
      last = key;
      it->second.second.push_back(std::move(r));
    }
  }
  auto memorised = memorization::ListMemorizedContinuations(in.into->db(), in.run_id, 0,
                                                            memorization::MemorizedSelect::kApprox);
  if (!memorised.ok()) return memorised.status();
  if (static_cast<int64_t>(memorised->size()) != docs)
    return Status::InvalidArgument(
        "merge: pii job '" + in.merged->name + "': the shards scanned " + std::to_string(docs) +
        " memorised outputs but the merged run has " + std::to_string(memorised->size()));
  for (const auto& m : *memorised) {
    auto it = by_probe.find({m.job_id, m.probe_id});
    if (it == by_probe.end()) continue;
    for (FindingRow& r : it->second.second) rows->push_back(std::move(r));
    by_probe.erase(it);
  }
  if (!by_probe.empty()) {
    const auto& [key, held] = *by_probe.begin();
    return Refuse(in.parts[held.first], "findings of probe '" + key.second + "' (merged job " +
                                            std::to_string(key.first) +
                                            ") match no memorised output of the merged run");
  }
  return Status::Ok();
}

}  // namespace

Status CheckPiiShardJobs(const std::vector<ShardJobPart>& parts) {
  if (parts.empty()) return Status::InvalidArgument("merge: no shards of the pii job");
  bool memorized = false;
  for (size_t k = 0; k < parts.size(); ++k) {
    const ShardJobPart& p = parts[k];
    if (p.job.status != "finished")
      return Refuse(p, "it is " +
                           (p.job.status.empty() ? std::string("unfinished") : p.job.status) +
                           ", not finished (rerun the shard)");
    auto plan = ReadPlan(p);
    if (!plan.ok()) return plan.status();
    if (k == 0) memorized = plan->memorized;
    if (plan->memorized != memorized)
      return Refuse(p, std::string("it scanned ") +
                           (plan->memorized ? "memorised outputs" : "files") + " but '" +
                           parts.front().path + "' scanned " +
                           (memorized ? "memorised outputs" : "files"));
  }
  return ReadMetrics(parts).status();
}

Status MergePiiShardJob(const JobMergeInput& in, JobMergeOutput* out) {
  MNEMO_RETURN_IF_ERROR(CheckPiiShardJobs(in.parts));
  std::vector<PartPlan> plans;
  int64_t docs = 0;
  for (const ShardJobPart& p : in.parts) {
    auto plan = ReadPlan(p);
    if (!plan.ok()) return plan.status();
    plans.push_back(std::move(plan).value());
    docs += p.job.n_requests;  // documents scanned (RunPii's FinishJob)
  }
  std::vector<FindingRow> rows;
  MNEMO_RETURN_IF_ERROR(plans.front().memorized ? MemorizedFindings(in, docs, &rows)
                                                : FileFindings(in, plans, &rows));

  // Metrics: the shards' counts summed in shard order (integers: exact), n the documents.
  auto shard_metrics = ReadMetrics(in.parts);
  if (!shard_metrics.ok()) return shard_metrics.status();
  std::vector<MetricRecord> metrics = shard_metrics->front();
  for (size_t i = 0; i < metrics.size(); ++i) {
    metrics[i].value = 0;
    metrics[i].n = 0;
    for (const auto& m : *shard_metrics) {
      metrics[i].value += m[i].value;
      metrics[i].n += m[i].n;
    }
  }
  // The findings counts must be the merged rows' (a shard whose rows and metrics disagree is
  // corrupt).
  std::map<std::string, int64_t> per_entity;
  for (const FindingRow& r : rows) ++per_entity[r.entity];
  for (const MetricRecord& m : metrics) {
    if (m.name != "findings") continue;
    const int64_t have = m.filter == "all"
                             ? static_cast<int64_t>(rows.size())
                             : (per_entity.count(m.filter) ? per_entity[m.filter] : 0);
    if (static_cast<double>(have) != m.value)
      return Status::InvalidArgument("merge: pii job '" + in.merged->name + "': the shards count " +
                                     std::to_string(static_cast<int64_t>(m.value)) + " " +
                                     m.filter + " findings but hold " + std::to_string(have));
  }

  RunStore* into = in.into;
  MNEMO_RETURN_IF_ERROR(into->Begin());
  Status w = PutFindings(into, in.merged->id, rows);
  if (w.ok()) w = into->PutMetrics(in.merged->id, metrics);
  if (w.ok()) w = into->FinishJob(in.merged->id, "finished", docs, 0);
  if (w.ok()) w = into->Commit();
  if (!w.ok()) {
    (void)into->Rollback();
    return w;
  }
  out->rows += rows.size();
  return Status::Ok();
}

JobMergeKind PiiMergeKind() {
  return JobMergeKind{"pii", &CheckPiiShardJobs, &MergePiiShardJob};
}

}  // namespace mnemo::pii
