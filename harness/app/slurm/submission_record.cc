#include "harness/app/slurm/submission_record.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mnemo {
namespace slurm {

std::string SubmissionRecord::ArrayJobOf(size_t shard) const {
  for (auto it = submissions.rbegin(); it != submissions.rend(); ++it)
    for (size_t s : it->shards)
      if (s == shard && !it->array_job.empty()) return it->array_job;
  return "";
}

std::string SubmissionRecord::LastMergeJob() const {
  return submissions.empty() ? "" : submissions.back().merge_job;
}

std::string RecordPath(const std::string& dir) {
  return dir + "/slurm.json";
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status SaveRecord(const std::string& dir, const SubmissionRecord& r) {
  nlohmann::json subs = nlohmann::json::array();
  for (const auto& s : r.submissions)
    subs.push_back({{"array_job", s.array_job},
                    {"shards", s.shards},
                    {"merge_job", s.merge_job},
                    {"submitted_at", s.submitted_at}});
  const SbatchResources& res = r.resources;
  nlohmann::json j = {{"version", SubmissionRecord::kVersion},
                      {"kind", r.kind},
                      {"spec", r.spec},
                      {"shards", r.shards},
                      {"mnemo", r.mnemo},
                      {"workdir", r.workdir},
                      {"resources",
                       {{"partition", res.partition},
                        {"cpus_per_task", res.cpus_per_task},
                        {"mem", res.mem},
                        {"time", res.time},
                        {"array_concurrency", res.array_concurrency},
                        {"sbatch_flags", res.extra_flags}}},
                      {"submissions", subs}};
  const std::string path = RecordPath(dir);
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out.flush()) return Status::IoError(tmp + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IoError(path + ": " + ec.message());
  return Status::Ok();
}

Result<SubmissionRecord> LoadRecord(const std::string& dir) {
  const std::string path = RecordPath(dir);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::NotFound(path + ": no such file (not a folder `mnemo slurm submit` wrote)");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument(path + ": not a JSON object");
  std::string field;
  try {
    SubmissionRecord r;
    field = "version";
    if (j.at("version").get<int>() != SubmissionRecord::kVersion)
      return Status::InvalidArgument(path + ": field 'version' is " + j["version"].dump() +
                                     ", this mnemo reads " +
                                     std::to_string(SubmissionRecord::kVersion));
    field = "kind";
    r.kind = j.at("kind").get<std::string>();
    field = "spec";
    r.spec = j.at("spec").get<std::vector<std::string>>();
    field = "shards";
    r.shards = j.at("shards").get<size_t>();
    field = "mnemo";
    r.mnemo = j.at("mnemo").get<std::string>();
    field = "workdir";
    r.workdir = j.at("workdir").get<std::string>();
    field = "resources";
    const auto& res = j.at("resources");
    r.resources.partition = res.at("partition").get<std::string>();
    r.resources.cpus_per_task = res.at("cpus_per_task").get<size_t>();
    r.resources.mem = res.at("mem").get<std::string>();
    r.resources.time = res.at("time").get<std::string>();
    r.resources.array_concurrency = res.at("array_concurrency").get<size_t>();
    r.resources.extra_flags = res.at("sbatch_flags").get<std::vector<std::string>>();
    field = "submissions";
    for (const auto& s : j.at("submissions")) {
      Submission sub;
      sub.array_job = s.at("array_job").get<std::string>();
      sub.shards = s.at("shards").get<std::vector<size_t>>();
      sub.merge_job = s.at("merge_job").get<std::string>();
      sub.submitted_at = s.at("submitted_at").get<std::string>();
      r.submissions.push_back(std::move(sub));
    }
    if (r.shards == 0) return Status::InvalidArgument(path + ": field 'shards' is 0");
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(path + ": field '" + field + "': " + e.what());
  }
}

}  // namespace slurm
}  // namespace mnemo
