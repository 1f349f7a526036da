// The memorisation audit's table in the run store, mem_probes: one row per probe of a job.
// This engine owns its DDL (kProbeTables), its writer (store_writer.h) and its readers (here
// and pii_hook.h); nothing else names the table in SQL.
//
// Columns: the token arrays are JSON lists of ids in the model's tokenization; exact, approx
// and trivial are 0/1; duplicates is NULL when no corpus count was asked for; group_json holds
// the probe's grouping keys (source and any extra fields of a targeted probe).
//
// Thread-safety: the store's rule.
#ifndef MNEMO_AUDITS_MEMORIZATION_PROBE_TABLE_H_
#define MNEMO_AUDITS_MEMORIZATION_PROBE_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/memorization/probe.h"
#include "harness/core/status.h"
#include "harness/store/owned_tables.h"
#include "harness/store/run_store.h"

namespace mnemo {
namespace memorization {

extern const OwnedTables kProbeTables;

// A stored probe as reports show it (token arrays are not read).
struct ProbeRow {
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

// The probes of one job in probe order; empty when the store has no mem_probes table.
Result<std::vector<ProbeRow>> ListProbes(const RunStore& store, int64_t job_id);
// The probes of one job with their outcomes, in probe order, as WriteProbeRows wrote them: every
// field it writes reads back bit for bit (token arrays, texts, stored doubles). What a row does
// not keep: a probe's location, the outcome's finish reason, and which trivial flags were set
// (a trivial row reads back with all three, so TrivialFlags::trivial() is the stored verdict).
// InvalidArgument naming the store, job and probe for a row whose JSON columns do not parse.
struct StoredProbes {
  std::vector<Probe> probes;
  std::vector<ProbeOutcome> outcomes;
};
Result<StoredProbes> ReadStoredProbes(const RunStore& store, int64_t job_id);
// The number of probe rows of one job (0 when the store has no mem_probes table).
Result<int64_t> CountProbes(const RunStore& store, int64_t job_id);
// Whether the store holds any probe.
Result<bool> AnyProbes(const RunStore& store);

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_PROBE_TABLE_H_
