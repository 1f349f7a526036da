// The "pii" job kind: a PII scan of files or of a run's memorised outputs, behind the one job
// shape (harness/jobs/job_driver.h), from a `mnemo run` config object or `mnemo audit pii`.
//   {"kind": "pii", "memorized": true}                    (the run's own memorised outputs)
//   {"kind": "pii", "paths": ["corpus.jsonl"], ...}        (files)
// With a store the job records a jobs row (kind "pii", no model), its findings and per-entity
// counts in metrics; without one (a CLI scan to NDJSON) it writes its outputs only.
//
// As shard i/N (Shard, or "shard": "i/N" in the config) a file scan reads only shard i's
// pieces of the files (datasets/io/corpus_pieces.h) and a scan of memorised outputs scans the
// run's own probes (in a shard run already its shard's slice); either records a job_shards row
// whose plan lists the pieces with their line counts, completed in the same transaction as the
// job's metrics, its last rows. audits/pii/shard_merge.h merges the shards.
#ifndef MNEMO_AUDITS_PII_JOB_H_
#define MNEMO_AUDITS_PII_JOB_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audits/pii/engine.h"
#include "audits/pii/output.h"
#include "audits/pii/scan.h"
#include "harness/jobs/job_driver.h"

namespace mnemo::pii {

struct PiiConfig {
  std::vector<std::string> paths;
  bool memorized = false;
  int64_t run = 0;  // 0: the latest run with probes (memorized)
  std::string field = "text";
  std::string id_field = "id";
  std::string format = "auto";
  std::vector<std::string> entities;
  std::string entities_file;
  std::string min_likelihood = "POSSIBLE";
  bool context = true;
  bool prefilter = true;
  std::vector<std::string> allow_list;
  int threads = 0;
  std::string output;  // NDJSON ("-" stdout, "" none)
  std::string redact;
  std::string redact_mode = "mask";
  std::string quote = "redacted";
  std::optional<ShardSpec> shard;  // not part of ToJson: every shard's job row is the same

  nlohmann::json ToJson() const {
    nlohmann::json j = {{"memorized", memorized},
                        {"field", field},
                        {"id_field", id_field},
                        {"format", format},
                        {"entities", entities},
                        {"entities_file", entities_file},
                        {"min_likelihood", min_likelihood},
                        {"context", context},
                        {"allow_list_size", allow_list.size()},
                        {"quote", quote}};
    if (!paths.empty()) j["paths"] = paths;
    if (memorized) j["run"] = run;
    return j;
  }
};

struct PiiOutcome {
  ScanTotals totals;
  std::map<std::string, EntityCount> counts;
  int64_t docs_with_findings = 0;
  int64_t findings = 0;
  int64_t run_id = 0;
  int64_t job_id = 0;
  int threads = 0;
};

// Splits a comma-separated list, trimming spaces and dropping empty items.
Result<std::vector<std::string>> SplitPiiList(const std::string& s);
// Reads an allow list, one value per line (empty lines ignored).
Result<std::vector<std::string>> ReadAllowList(const std::string& path);
// The scanner `c` asks for: the default catalogue merged with c.entities_file.
Result<std::unique_ptr<Scanner>> BuildScanner(const PiiConfig& c);
// Scans what `c` names; with a store, records a job in run `run_id` (which must exist).
Status RunPii(const PiiConfig& c, RunStore* store, int64_t run_id, PiiOutcome* out);
// The summary by entity, on stderr; `where` names what was scanned.
void PrintSummary(const PiiOutcome& o, const std::string& where);

class PiiJob : public JobDriver {
 public:
  explicit PiiJob(PiiConfig config) : config_(std::move(config)) {}
  const char* kind() const override { return "pii"; }
  bool needs_model() const override { return false; }
  nlohmann::json Plan() const override;
  Status RunOnce(const RunContext& ctx, JobOutcome* out) override;
  // Refuses a shard of a job that writes files (NDJSON output), which N shards would clobber.
  Status Shard(const ShardSpec& shard) override;
  void Summarise(const std::string& model_name, JobOutcome* out) const override;

  const PiiConfig& config() const { return config_; }
  const PiiOutcome& outcome() const { return outcome_; }
  // Where the summary on stderr says the scan read (default: "memorised outputs" or "files").
  void set_summary_label(std::string label) { label_ = std::move(label); }

 private:
  PiiConfig config_;
  PiiOutcome outcome_;
  std::string label_;
};

Result<std::unique_ptr<JobDriver>> ParsePiiJob(const nlohmann::json& job,
                                               const JobParseContext& ctx);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_JOB_H_
