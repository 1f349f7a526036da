// The "decontam" job kind: the decontamination audit behind the one job shape
// (harness/jobs/job_driver.h), from a `mnemo run` config object or `mnemo audit decontam`.
//   {"kind": "decontam", "tasks": ["tiny_geo"], "corpus": ["train.jsonl"], "method": "gpt3",
//    "n": 13, "boilerplate": 1, "text_field": "text", "output": "items.jsonl",
//    "rescore": true, "task_dirs": [...], "limit": 0, "tokenizer": "tokenizer.model"}
// Model-free: it runs once, after every model's jobs, so "rescore": true rescores this run's
// own task jobs on their clean items. A CLI run without a store (RunContext::store null)
// writes its output files only.
//
// As shard i/N (Shard, or "shard": "i/N" in the config) it scans only shard i's byte-range
// pieces of the corpus, and each task's jobs row gets a job_shards row whose plan holds the
// task's part of the scan state; it does not rescore (its run's task jobs hold only their
// shard's documents): the merge (shard_merge.h) does.
#ifndef MNEMO_AUDITS_DECONTAM_JOB_H_
#define MNEMO_AUDITS_DECONTAM_JOB_H_

#include <memory>
#include <string>

#include "audits/decontam/audit.h"
#include "harness/jobs/job_driver.h"

namespace mnemo::decontam {

class DecontamJob : public JobDriver {
 public:
  // `tokenizer`: a SentencePiece model to open when the job runs ("" = words or `encoder`).
  // `rescore`: rescore the run's own task jobs on their clean items.
  DecontamJob(AuditConfig config, std::string tokenizer, bool rescore)
      : config_(std::move(config)), tokenizer_(std::move(tokenizer)), rescore_(rescore) {}
  const char* kind() const override { return "decontam"; }
  bool needs_model() const override { return false; }
  nlohmann::json Plan() const override;
  Status RunOnce(const RunContext& ctx, JobOutcome* out) override;
  void Summarise(const std::string& model_name, JobOutcome* out) const override;
  Status Shard(const ShardSpec& shard) override;
  // Runs with this encoder instead of opening `tokenizer` (the CLI's --model); not owned.
  void set_encoder(TokenEncoder* encoder) { config_.encoder = encoder; }

  const AuditConfig& config() const { return config_; }
  const AuditReport& report() const { return report_; }

 private:
  AuditConfig config_;
  std::string tokenizer_;
  bool rescore_;
  AuditReport report_;
};

Result<std::unique_ptr<JobDriver>> ParseDecontamJob(const nlohmann::json& job,
                                                    const JobParseContext& ctx);

}  // namespace mnemo::decontam

#endif  // MNEMO_AUDITS_DECONTAM_JOB_H_
