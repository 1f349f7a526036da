// The PII scanner's table in the run store, pii_findings: one row per finding. This engine owns
// its DDL (kFindingsTables), its writer (output.h SqliteFindingsWriter) and its reader (here);
// nothing else names the table in SQL.
//
// Columns: doc is the input's id field or its line number (the probe id for memorised outputs);
// start/end are byte offsets, cp_start/cp_end code-point offsets, into the scanned text; origin
// says what was scanned ("file:<path>" or "mem_probes"); quote is the finding as the job's quote
// mode wrote it (redacted unless the user asked otherwise); model (version 2) is the run's name
// of the model whose memorised output held the finding ("" for files and version-1 stores).
// Version 3: probe_job is the memorisation job whose probe held the finding (memorised outputs;
// 0 for files and older stores); piece is -1 except in a shard store (docs/slurm.md), where a
// finding whose doc is a line number counted in a piece that does not start its file names that
// piece (its index in the job's job_shards plan "pieces"), so a merge can make it a file line.
//
// Thread-safety: the store's rule.
#ifndef MNEMO_AUDITS_PII_FINDINGS_TABLE_H_
#define MNEMO_AUDITS_PII_FINDINGS_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "harness/store/owned_tables.h"
#include "harness/store/run_store.h"

namespace mnemo::pii {

extern const OwnedTables kFindingsTables;

struct FindingRow {
  int64_t job_id = 0;
  std::string origin;
  std::string doc;
  std::string entity;
  int64_t start = 0, end = 0, cp_start = 0, cp_end = 0;
  double score = 0;
  std::string likelihood;
  std::string validator;
  std::string quote;
  std::string model;
  int64_t probe_job = 0;
  int64_t piece = -1;
};

// The findings of one job in the order written; empty when the store has no pii_findings.
Result<std::vector<FindingRow>> ListFindings(const RunStore& store, int64_t job_id);
// Appends `rows` to job `job_id` in order (their job_id fields are ignored); creates the table
// in a store that has none. Joins the caller's open transaction (RunStore::Begin), if any.
Status PutFindings(RunStore* store, int64_t job_id, const std::vector<FindingRow>& rows);
// Whether the store holds any finding.
Result<bool> AnyFindings(const RunStore& store);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_FINDINGS_TABLE_H_
