// The memorisation audit of one model: build probes (a targeted probe file and/or a seeded
// sample of a training corpus), count their suffixes' duplicates in the corpus, decode every
// prefix greedily through the scheduler (batched, cached in the run store, resumable), score
// each continuation and summarise. One "memorization" row in jobs per call, its probes in
// mem_probes and its summary in metrics (store_writer.h).
//
// Order of work, so bad input fails before any decoding: options and the model's context
// (P + S + BOS must fit, else InvalidArgument before anything is read), probe file, corpus
// sample, duplication counts, then generation. Requests are GENERATE with the prefix tokens as
// the prompt, greedy, max_tokens = S, stopping at end-of-sequence unless stop_at_eos is false
// (a short continuation is scored as it is: its missing tokens are deletions).
//
// Shards (issue 18; docs/memorisation.md, "Shards"): with AuditConfig::shard = i/N the audit
// builds the whole job's probe list P (probe file, then sample) and decodes only the slice
// [i*P/N, (i+1)*P/N) of it. The corpus passes (sampling, duplication counts) still read the
// whole corpus in every shard, so that every shard draws the same sample and the job's row is
// the same: that reading is repeated per shard, while the decoding, which dominates, is split.
// The shard's job_shards row (config fingerprint: the job's plan, its input files' identity and
// P; plan: {"probes": P, "begin", "end"}) is begun with the job and completed in the same
// transaction as its probe rows. audits/memorization/shard_merge.h merges the shards.
//
// Thread-safety: one audit at a time per store and instance.
#ifndef MNEMO_AUDITS_MEMORIZATION_AUDIT_H_
#define MNEMO_AUDITS_MEMORIZATION_AUDIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/memorization/corpus_sampler.h"
#include "audits/memorization/metrics.h"
#include "audits/memorization/probe.h"
#include "audits/memorization/probe_builder.h"
#include "audits/memorization/summary.h"
#include "audits/memorization/trivial.h"
#include "datasets/io/corpus_reader.h"
#include "harness/jobs/job_driver.h"
#include "harness/plugins/backend_client.h"
#include "harness/scheduler/scheduler.h"
#include "harness/store/run_store.h"

namespace mnemo {
namespace memorization {

struct AuditConfig {
  std::string name = "memorization";  // the job's name
  CorpusOptions corpus;               // no paths: no sample, no duplication counts
  std::string probes_path;            // targeted probes (probe_builder.h), optional
  ProbeFileOptions probe_file;
  size_t samples = 0;  // probes sampled from the corpus (0: none)
  SamplingOptions sampling;
  size_t prefix_len = 50;
  size_t suffix_len = 50;
  std::vector<std::string> group_by;  // grouping keys besides source
  ApproxOptions approx;
  TrivialOptions trivial;
  bool count_duplicates = true;  // when a corpus is given
  bool stop_at_eos = true;
  size_t max_batch = 64;  // probes per execute call
  // How the audit reports, not what it computes (not in ToJson). show_progress: one progress
  // display per phase ("<name>: tokenising corpus, sampling probes", "<name>: counting
  // duplicates", "<name>: decoding"), each with its ETA. quiet: no warnings on stderr
  // (result->warnings and summary.json keep them). subject: the model's display name, which
  // names it when a warning repeats for several models (shown once: harness/core/log.h).
  bool show_progress = true;
  bool quiet = false;
  std::string subject;
  // Set: run as this shard of the job (see the top of this file), recording a job_shards row
  // even for 0/1; unset: the whole job, no job_shards row. Not in ToJson: every shard's jobs
  // row is the single-process one.
  std::optional<ShardSpec> shard;

  // Checks values that need no file or model.
  Status Validate() const;
  nlohmann::json ToJson() const;
};

// Parses a run-config job object or the JSON form of the options; `resolve` maps paths
// relative to the config's folder; errors are "<field>: <problem>" for the caller to prefix.
// Keys: name, probes, corpus (string or list), text_field, id_field, source_field, format,
// samples, sampling ("documents"|"positions"), per_source, seed, prefix, suffix, group_by
// (string or list), approx_ratio, approx_rule ("le"|"lt"), count_duplicates, stop_at_eos,
// probe_separator, max_batch.
Result<AuditConfig> ParseAuditConfig(const nlohmann::json& j,
                                     const std::function<std::string(const std::string&)>& resolve);

// The slice of a job's `total` probes that shard `shard` decodes: [i*P/N, (i+1)*P/N), so the
// N slices tile [0, P) in order (a slice may be empty when P < N).
struct ProbeSlice {
  size_t begin = 0;
  size_t end = 0;
};
ProbeSlice SliceOf(const ShardSpec& shard, size_t total);

struct AuditResult {
  int64_t job_id = 0;
  size_t total_probes = 0;    // the whole job's probes (P), whatever the shard
  size_t slice_begin = 0;     // probes[k] is probe slice_begin + k of the job (Probe::index)
  std::vector<Probe> probes;  // this shard's slice (every probe for a whole job)
  std::vector<ProbeOutcome> outcomes;
  std::vector<GroupSummary> groups;
  nlohmann::json inputs;  // what was read: records, documents, too short, missing fields
  std::vector<std::string> warnings;
  RunStats stats;
  size_t failed = 0;
};

// P + S (+1 for BOS when the model adds one) against the model's context; InvalidArgument
// naming both numbers when it does not fit.
Status CheckContext(const AuditConfig& config, const ModelInfo& info);

// Everything before generation: the probes (file, then sample) and their duplication counts.
// Fills result->probes (the shard's slice when config.shard is set: everything else, the
// duplication counts included, is computed for the whole job, as one process does),
// ->total_probes, ->slice_begin, ->outcomes (duplicates only), ->inputs and ->warnings. `cache`
// (may be null) keeps tokenised corpora for later audits of the same model in the run.
Status PrepareProbes(const AuditConfig& config, const Model& model, AuditResult* result,
                     CorpusTokenCache* cache = nullptr);

// The whole audit on one model. `store` may be null (nothing recorded, no cache); otherwise
// a jobs row (kind "memorization", name config.name) is begun for run_id/model_id and
// finished with its status. Per-probe failures are counted in result->failed (and the
// returned status is Internal naming the count) after everything else is stored; an
// interrupted run returns Cancelled after storing what finished.
Status RunMemorizationAudit(const AuditConfig& config, Model* model, Instance* instance,
                            RunStore* store, int64_t run_id, int64_t model_id, AuditResult* result,
                            CorpusTokenCache* token_cache = nullptr);

// summary.json: {"job", "model", "config", "inputs", "groups": {name: GroupToJson}}.
nlohmann::json SummaryJson(const AuditConfig& config, const AuditResult& result,
                           const std::string& model_name);

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_AUDIT_H_
