#include "harness/app/slurm/submission_status.h"

#include <map>

#include "harness/app/slurm/sbatch_script.h"

namespace mnemo {
namespace slurm {

std::vector<size_t> SubmissionStatus::Missing() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < shards.size(); ++i)
    if (!shards[i].marker) out.push_back(i);
  return out;
}

const char* PhaseName(SubmissionStatus::Phase p) {
  switch (p) {
    case SubmissionStatus::Phase::kDone:
      return "done";
    case SubmissionStatus::Phase::kActive:
      return "active";
    case SubmissionStatus::Phase::kStopped:
      return "stopped";
  }
  return "?";
}

nlohmann::json SubmissionStatus::ToJson() const {
  auto job = [](const JobStatus& j) {
    return nlohmann::json{{"job", j.job},
                          {"state", j.state},
                          {"exit_code", j.exit_code},
                          {"reason", j.reason},
                          {"marker", j.marker}};
  };
  nlohmann::json s = nlohmann::json::array();
  for (size_t i = 0; i < shards.size(); ++i) {
    auto j = job(shards[i]);
    j["shard"] = i;
    s.push_back(std::move(j));
  }
  return {{"phase", PhaseName(phase)}, {"shards", s}, {"merge", job(merge)}};
}

Result<SubmissionStatus> ComputeStatus(
    const std::string& dir, const SubmissionRecord& record,
    const std::function<Result<std::vector<ScontrolJob>>(const std::string&)>& show_job,
    const std::function<bool(const std::string&)>& has_file) {
  SubmissionStatus st;
  st.shards.resize(record.shards);
  std::map<std::string, std::vector<ScontrolJob>> cache;  // one scontrol call per job id
  auto lookup = [&](const std::string& id) -> Result<const std::vector<ScontrolJob>*> {
    auto it = cache.find(id);
    if (it == cache.end()) {
      auto lines = show_job(id);
      if (!lines.ok()) return lines.status();
      it = cache.emplace(id, std::move(lines).value()).first;
    }
    return &it->second;
  };
  auto fill = [](JobStatus* js, const ScontrolJob& j) {
    js->state = j.state;
    js->exit_code = j.exit_code;
    js->reason = j.reason;
  };
  bool active = false;
  for (size_t i = 0; i < record.shards; ++i) {
    JobStatus& js = st.shards[i];
    js.marker = has_file(ShardMarkerPath(dir, i));
    const std::string array = record.ArrayJobOf(i);
    if (array.empty()) continue;
    js.job = array + "_" + std::to_string(i);
    auto lines = lookup(array);
    if (!lines.ok()) return lines.status();
    for (const auto& j : **lines) {
      if (j.array_job_id != array) continue;
      for (size_t t : j.array_tasks)
        if (t == i) fill(&js, j);
    }
    if (!js.marker && IsActiveState(js.state)) active = true;
  }
  const std::string merge = record.LastMergeJob();
  st.merge.marker = has_file(MergeMarkerPath(dir));
  if (!merge.empty()) {
    st.merge.job = merge;
    auto lines = lookup(merge);
    if (!lines.ok()) return lines.status();
    for (const auto& j : **lines)
      if (j.job_id == merge) fill(&st.merge, j);
    if (!st.merge.marker && IsActiveState(st.merge.state)) active = true;
  }
  bool all = st.merge.marker && st.Missing().empty();
  st.phase = all      ? SubmissionStatus::Phase::kDone
             : active ? SubmissionStatus::Phase::kActive
                      : SubmissionStatus::Phase::kStopped;
  return st;
}

}  // namespace slurm
}  // namespace mnemo
