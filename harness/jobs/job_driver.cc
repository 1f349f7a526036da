#include "harness/jobs/job_driver.h"

namespace mnemo {

Result<ShardSpec> ParseShardSpec(const std::string& text) {
  const size_t slash = text.find('/');
  auto digits = [](const std::string& t) {
    return !t.empty() && t.size() <= 9 && t.find_first_not_of("0123456789") == std::string::npos;
  };
  if (slash != std::string::npos) {
    const std::string i = text.substr(0, slash), n = text.substr(slash + 1);
    if (digits(i) && digits(n)) {
      ShardSpec s;
      s.index = static_cast<uint32_t>(std::stoul(i));
      s.count = static_cast<uint32_t>(std::stoul(n));
      if (s.count > 0 && s.index < s.count) return s;
    }
  }
  return Status::InvalidArgument("shard '" + text + "': expected i/N with 0 <= i < N, e.g. 0/4");
}

Status JobDriver::Validate(const ValidateContext&) const {
  return Status::Ok();
}

Status JobDriver::CheckModel(const JobModel&) const {
  return Status::Ok();
}

Status JobDriver::RunForModel(const RunContext&, const JobModel&, JobOutcome*) {
  return Status::Internal(std::string("job kind '") + kind() + "' does not run per model");
}

Status JobDriver::RunOnce(const RunContext&, JobOutcome*) {
  return Status::Internal(std::string("job kind '") + kind() + "' runs per model");
}

Status JobDriver::Shard(const ShardSpec& shard) {
  if (shard.whole()) return Status::Ok();
  return Status::Unsupported(std::string("job kind '") + kind() + "' cannot run as a shard yet");
}

Status JobDriver::MergeShards(RunStore*, const std::vector<RunStore*>&) {
  return Status::Unsupported(std::string("job kind '") + kind() + "' cannot merge shards yet");
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

}  // namespace mnemo
