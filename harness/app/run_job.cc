#include "harness/app/run_job.h"

namespace mnemo {

Status RunJob::RunForModel(const RunContext&, OpenedModel*, const ModelRecord&, const std::string&,
                           JobOutcome*) {
  return Status::Internal("this job kind does not run per model");
}

Status RunJob::RunOnce(const RunContext&, JobOutcome*) {
  return Status::Internal("this job kind runs per model");
}

Status JobParseContext::Error(const std::string& key, const std::string& what) const {
  return Status::InvalidArgument(config_path + ": field '" + field + (key.empty() ? "" : ".") +
                                 key + "' " + what);
}

Status JobParseContext::CheckKeys(const nlohmann::json& job,
                                  std::initializer_list<const char*> known,
                                  const std::string& kind) const {
  for (auto it = job.begin(); it != job.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) return Error(it.key(), "is not a known field of a " + kind + " job");
  }
  return Status::Ok();
}

const JobKind* JobKinds(int* n) {
  static const JobKind kKinds[] = {
      {"tasks", &ParseTasksJob},
      {"memorization", &ParseMemorizationJob},
      {"pii", &ParsePiiJob},
      {"decontam", &ParseDecontamJob},
  };
  *n = static_cast<int>(sizeof kKinds / sizeof kKinds[0]);
  return kKinds;
}

}  // namespace mnemo
