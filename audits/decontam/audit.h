// The decontamination audit end to end, shared by `mnemo audit decontam` and the "decontam"
// job kind of `mnemo run`: eval items -> n-gram index -> corpus scan (or a merge of shard
// states) -> per-item verdicts -> NDJSON, shard state, run store rows, clean-subset rescoring.
//
// Run store rows: one jobs row per task (kind "decontam", name = task, model-free); its
// decontam_items rows (one per item: status, overlap, evidence JSON, doc_index); metrics rows
// with filter = method: "<status>_share" for each status (llama2 also "not_dirty_share"),
// "mean_overlap", "items", "shared_only_items" (items not clean only through n-grams shared
// with other eval items: ItemVerdict::shared_only). Rescoring (rescore_run > 0): for every "task"
// job of that run whose task was audited, a jobs row (kind "decontam_rescore", name = task, the
// task job's model) with metrics per (metric, filter): "<metric>" on all items, "<metric>_clean" on
// clean ones, "<metric>_dirty" on the rest, "<metric>_clean_delta" = clean - all (GPT-3's table).
//
// Thread-safety: one audit per RunStore at a time.
#ifndef MNEMO_AUDITS_DECONTAM_AUDIT_H_
#define MNEMO_AUDITS_DECONTAM_AUDIT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/decontam/eval_index.h"
#include "audits/decontam/eval_items.h"
#include "audits/decontam/methods.h"
#include "audits/decontam/scan.h"
#include "audits/decontam/units.h"
#include "harness/core/status.h"
#include "harness/store/run_store.h"

namespace mnemo {
namespace decontam {

// The default --boilerplate: an eval n-gram counts only when it is specific to one item text
// (K = 1); an n-gram held by two or more distinct item texts is dropped.
//
// Why 1. The published methods ask whether an item's own text occurs in training: GPT-3 calls
// an item dirty when one of its N-grams occurs (Appendix C), lm-eval marks every doc holding
// a hit 13-gram, and neither filters the eval side. Their only frequency rule, "ignore
// 13-grams in more than 10 documents", is a training-side rule over billions of documents,
// where 10 is a negligible count; carried to the eval side (the old default, K = 10) it lets
// an n-gram stand for up to 10 items (3% of a 300-item benchmark), so one planted item makes
// its neighbours dirty through the name, place or template wording they share. A corpus hit
// on an n-gram that several items hold is not evidence about any one of them: GPT-3's DROP
// result (94% "dirty" through shared passages that carried no questions or answers) is the
// published example of the false positives it produces. Any K >= 2 keeps some shared
// n-grams, so only K = 1 removes that class; an item that occurs in training still has its
// own n-grams (its question, its answer, its mix of names), which stay. On the tiny-gemma3
// fixture (truth.json: 85 of 300 tiny_geo items dirty or near) K = 1 flags exactly the 85;
// K = 2 adds 19 clean items, K = 3 26, K = 4 to 10 28, K = 0 all 300. What K = 1 gives up:
// text several items share (a passage with several questions) cannot make them dirty on its
// own; ItemVerdict::shared_only counts the items a larger K flags only that way. Items are
// counted by text, so tasks rendering the same documents, or duplicated items, do not hide
// each other (eval_index.h).
constexpr size_t kDefaultBoilerplate = 1;

struct AuditConfig {
  // Eval side: tasks, or a JSONL file.
  std::vector<std::string> tasks;
  std::vector<std::string> task_dirs;
  size_t limit = 0;
  std::string eval_file, eval_field, eval_id;
  // Corpus side.
  std::vector<std::string> corpus;  // files or globs
  std::string format = "auto";
  std::string text_field = "text";
  std::string id_field = "id";
  // "i/N" or empty: scan only shard i's byte-range pieces of the corpus (corpus_pieces.h);
  // with a store, every task's jobs row gets a job_shards row whose plan holds the task's part
  // of the scan state (shard_state.h), its completion marker written with the job's last rows.
  std::string shard;
  std::string state_out;                  // write the shard state here
  std::vector<std::string> merge_states;  // instead of scanning, merge these
  // Method.
  Method method = Method::kGpt3;
  size_t n = 0;  // 0: the method's default
  size_t boilerplate = kDefaultBoilerplate;
  std::optional<bool> short_items;  // default: on for gpt3
  double palm_threshold = 0.7;
  size_t evidence = 3;
  size_t threads = 0;
  const TokenEncoder* encoder = nullptr;  // null: janitor words
  std::string tokenizer;  // the SentencePiece file `encoder` was opened from, for a merge's plan
  // Outputs.
  std::string output;       // NDJSON, one line per item ("" = none)
  std::string dump_ngrams;  // write the kept n-grams as text (word units only)
  RunStore* store = nullptr;
  int64_t run_id = 0;
  int64_t rescore_run = 0;
  // A shard of a job that rescores its own run: the shard does not rescore (its run's task
  // jobs hold only their shard's documents); its plan says so and the merge rescores.
  bool rescore_after_merge = false;
  bool quiet = false;
};

struct TaskSummary {
  std::string task;
  int64_t items = 0;
  std::vector<std::pair<std::string, int64_t>> counts;  // status -> items
  double mean_overlap = 0;
  int64_t shared_only = 0;  // items not clean only through n-grams shared with other items
  int64_t job_id = 0;
};

struct RescoreLine {
  std::string task, model, metric, filter;
  double all = 0, clean = 0, dirty = 0;
  int64_t n_all = 0, n_clean = 0;
};

struct AuditReport {
  std::vector<TaskSummary> tasks;
  std::vector<RescoreLine> rescored;
  std::vector<std::string> notes;  // printed lines: index and scan statistics, warnings
};

// Runs the audit; prints progress notes to stderr unless quiet.
Status RunAudit(const AuditConfig& config, AuditReport* report);

// The parts of RunAudit a merge of shard stores reuses (shard_merge.h), so the merge writes
// exactly what one process writes.

// The eval side: items and their n-gram index, built from the config (and its encoder).
struct AuditIndex {
  std::vector<EvalItem> items;
  IndexOptions options;
  std::optional<EvalIndex> index;
};
Result<AuditIndex> BuildAuditIndex(const AuditConfig& config);

// What a shard's plan records of the config, enough to rebuild its index (AuditConfigFromParams
// reads it back); a shard's config fingerprint hashes it.
nlohmann::json AuditParams(const AuditConfig& config);
Result<AuditConfig> AuditConfigFromParams(const nlohmann::json& params);

// The config every task's jobs row records, given the scan's statistics.
nlohmann::json AuditJobConfig(const AuditConfig& config, const IndexOptions& io,
                              const ScanStats& stats);

// Every item's verdict and evidence (the stored JSON list) from a scan.
void JudgeItems(const AuditConfig& config, const AuditIndex& ai, const ScanResult& scan,
                std::vector<ItemVerdict>* verdicts, std::vector<nlohmann::json>* evidence);

// One task's summary over its items `which`, and with config.store its rows in job `job_id`
// (begun): decontam_items, metrics and FinishJob in one transaction, with the shard's
// completion marker (CompleteJobShard with `shard_plan`) when that is non-null.
Status WriteTaskRows(const AuditConfig& config, const AuditIndex& ai,
                     const std::vector<size_t>& which, const std::vector<ItemVerdict>& verdicts,
                     const std::vector<nlohmann::json>& evidence, int64_t job_id,
                     const nlohmann::json* shard_plan, TaskSummary* summary);

// Clean-subset rescoring of run config.rescore_run's task jobs (RunAudit step 5): `clean` maps
// each audited task to its documents (doc_index) and whether each is clean. Writes the
// "decontam_rescore" jobs into config.run_id (or the rescored run), appending their ids.
Status RescoreTasks(const AuditConfig& config, const IndexOptions& io,
                    const std::map<std::string, std::map<int64_t, bool>>& clean,
                    AuditReport* report, std::vector<int64_t>* job_ids);

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_AUDIT_H_
