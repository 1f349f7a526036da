// Rows of the audit tables (schema v2–v4) for one job: memorisation probes, PII findings,
// decontamination items. Token arrays are not read; reports show the texts.
#ifndef MNEMO_REPORTS_MODEL_AUDIT_ROWS_H_
#define MNEMO_REPORTS_MODEL_AUDIT_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/store/run_store.h"

namespace mnemo::reports {

struct MemProbeRow {
  int64_t job_id = 0;
  std::string probe_id;
  int64_t probe_index = 0;
  std::string source;
  nlohmann::json group;  // group_json
  std::string suffix_text;
  std::string output_text;
  bool exact = false;
  bool approx = false;
  int64_t edit_distance = 0;
  double pythia_score = 0;
  int64_t lcp = 0;
  double char_similarity = 0;
  bool trivial = false;
  std::optional<int64_t> duplicates;
};

struct PiiFindingRow {
  int64_t job_id = 0;
  std::string origin;
  std::string doc;
  std::string entity;
  int64_t start = 0, end = 0, cp_start = 0, cp_end = 0;
  double score = 0;
  std::string likelihood;
  std::string validator;
  std::string quote;
};

struct DecontamItemRow {
  int64_t job_id = 0;
  std::string task;
  std::string item_id;
  std::optional<int64_t> doc_index;  // the task document's index (newer stores)
  std::string method;
  std::string status;
  double overlap = 0;
};

Result<std::vector<MemProbeRow>> LoadMemProbes(const RunStore& store, int64_t job_id);
Result<std::vector<PiiFindingRow>> LoadPiiFindings(const RunStore& store, int64_t job_id);
Result<std::vector<DecontamItemRow>> LoadDecontamItems(const RunStore& store, int64_t job_id);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_MODEL_AUDIT_ROWS_H_
