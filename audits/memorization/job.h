// The "memorization" job kind: the memorisation audit on every model of a run, behind the
// one job shape (harness/jobs/job_driver.h). `mnemo run` parses it from a config object,
// `mnemo audit memorization` builds it from its options; both run it the same way.
//   {"kind": "memorization", "name": "canaries", "probes": "canaries.jsonl",
//    "corpus": ["train.jsonl"], "samples": 0, "group_by": ["repeats"], "prefix": 50,
//    "suffix": 50, ...}
// Keys and meanings are those of `mnemo audit memorization` (ParseAuditConfig in audit.h);
// paths are relative to the config's folder. A run's jobs share tokenised corpora through a
// CorpusTokenCache in RunContext::resources when the run put one there.
//
// Shards ("shard": "i/N" in the job, or Shard() from `mnemo run --shard i/N`): shard i decodes
// the contiguous slice [i*P/N, (i+1)*P/N) of the job's P probes in their global order (probe
// file order, then the sample in corpus order); the corpus passes run whole in every shard
// (audit.h, "Shards"). audits/memorization/shard_merge.h merges the shard stores.
#ifndef MNEMO_AUDITS_MEMORIZATION_JOB_H_
#define MNEMO_AUDITS_MEMORIZATION_JOB_H_

#include <memory>

#include "audits/memorization/audit.h"
#include "harness/jobs/job_driver.h"

namespace mnemo::memorization {

class MemorizationJob : public JobDriver {
 public:
  explicit MemorizationJob(AuditConfig config) : config_(std::move(config)) {}
  const char* kind() const override { return "memorization"; }
  bool needs_model() const override { return true; }
  Status Validate(const ValidateContext& ctx) const override;
  Status CheckModel(const JobModel& model) const override;
  nlohmann::json Plan() const override { return config_.ToJson(); }
  Status RunForModel(const RunContext& ctx, const JobModel& model, JobOutcome* out) override;
  void Summarise(const std::string& model_name, JobOutcome* out) const override;
  // Restricts the job to `shard` of its probes (InvalidArgument unless 0 <= i < N). A job
  // never sharded writes no job_shards row; one sharded as 0/1 does.
  Status Shard(const ShardSpec& shard) override;

  const AuditConfig& config() const { return config_; }
  // What the last RunForModel produced (probes, group summaries, request counts).
  const AuditResult& result() const { return result_; }

 private:
  AuditConfig config_;
  AuditResult result_;
};

Result<std::unique_ptr<JobDriver>> ParseMemorizationJob(const nlohmann::json& job,
                                                        const JobParseContext& ctx);

}  // namespace mnemo::memorization

#endif  // MNEMO_AUDITS_MEMORIZATION_JOB_H_
