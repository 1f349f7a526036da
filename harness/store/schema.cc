#include "harness/store/schema.h"

#include <iterator>

#include "harness/store/run_store.h"

namespace mnemo {
namespace store_schema {
namespace {

// Version 1. Timestamps are ISO 8601 UTC with milliseconds; finished_at is NULL while
// running. runs.seed holds the uint64 seed's bit pattern (SQLite integers are signed).
// metrics.value is NULL for NaN (SQLite stores NaN as NULL); metrics.stderr NULL = N/A.
// jobs.model_id is NULL for jobs without a model.
constexpr const char kV1[] = R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  config_json TEXT NOT NULL,
  mnemo_version TEXT NOT NULL,
  host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  seed INTEGER NOT NULL
);
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  backend TEXT NOT NULL,
  backend_version TEXT NOT NULL,
  path TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  info_json TEXT NOT NULL,
  UNIQUE (backend, path, fingerprint)
);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  model_id INTEGER REFERENCES models(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  config_json TEXT NOT NULL,
  status TEXT NOT NULL,
  n_requests INTEGER NOT NULL DEFAULT 0,
  n_cached INTEGER NOT NULL DEFAULT 0,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX jobs_by_run ON jobs(run_id);
CREATE INDEX jobs_by_model ON jobs(model_id);
CREATE TABLE requests (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  response_json TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE samples (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  doc_id TEXT NOT NULL,
  doc_index INTEGER NOT NULL,
  data_json TEXT NOT NULL,
  PRIMARY KEY (job_id, doc_id)
);
CREATE TABLE metrics (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  filter TEXT NOT NULL,
  value REAL,
  stderr REAL,
  n INTEGER NOT NULL,
  higher_is_better INTEGER NOT NULL,
  PRIMARY KEY (job_id, name, filter)
);
)sql";

// Version 2: the memorisation audit (audits/memorization). One row per probe of a job; the
// token arrays are JSON lists of ids in the model's tokenization. exact/approx/trivial are 0/1;
// duplicates is NULL when no corpus count was asked for. group_json holds the probe's grouping
// keys (source and any extra fields of a targeted probe).
constexpr const char kV2[] = R"sql(
CREATE TABLE mem_probes (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  probe_id TEXT NOT NULL,
  probe_index INTEGER NOT NULL,
  source TEXT NOT NULL,
  group_json TEXT NOT NULL,
  prefix_tokens TEXT NOT NULL,
  suffix_tokens TEXT NOT NULL,
  output_tokens TEXT NOT NULL,
  suffix_text TEXT NOT NULL,
  output_text TEXT NOT NULL,
  exact INTEGER NOT NULL,
  approx INTEGER NOT NULL,
  edit_distance INTEGER NOT NULL,
  pythia_score REAL NOT NULL,
  lcp INTEGER NOT NULL,
  char_similarity REAL NOT NULL,
  trivial INTEGER NOT NULL,
  duplicates INTEGER,
  PRIMARY KEY (job_id, probe_id)
);
)sql";

// Version 3: PII findings (audits/pii). One row per finding. doc is the input's id field or
// its line number; start/end are byte offsets, cp_start/cp_end code-point offsets, into the
// scanned text. origin says what was scanned ("file:<path>" or "mem_probes").
constexpr const char kV3[] = R"sql(
CREATE TABLE pii_findings (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  origin TEXT NOT NULL,
  doc TEXT NOT NULL,
  entity TEXT NOT NULL,
  start INTEGER NOT NULL,
  "end" INTEGER NOT NULL,
  cp_start INTEGER NOT NULL,
  cp_end INTEGER NOT NULL,
  score REAL NOT NULL,
  likelihood TEXT NOT NULL,
  validator TEXT NOT NULL,
  quote TEXT NOT NULL
);
CREATE INDEX pii_findings_by_job ON pii_findings(job_id, entity);
)sql";

// Version 4: decontamination (audits/decontam). One row per eval item and method; evidence
// is a JSON list of {doc, file, line, offset, length, ngrams, text} from the corpus (offset and
// length absent when the match could not be placed in the line; audits/decontam/audit.cc).
constexpr const char kV4[] = R"sql(
CREATE TABLE decontam_items (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  task TEXT NOT NULL,
  item_id TEXT NOT NULL,
  doc_index INTEGER NOT NULL,
  method TEXT NOT NULL,
  status TEXT NOT NULL,
  overlap REAL NOT NULL,
  evidence_json TEXT NOT NULL,
  PRIMARY KEY (job_id, task, item_id)
);
)sql";

// Version 5: how many times each cached request was completed. 1 is the norm; more means a
// backend computed a request the store already had (a run with the cache off, or a bug), which
// resume tests and reports check.
constexpr const char kV5[] = R"sql(
ALTER TABLE requests ADD COLUMN completions INTEGER NOT NULL DEFAULT 1;
)sql";

// Version 6: how the backend computed for each model a run used (plugin ABI 1.2's
// mn_model_desc.runtime_json: engine, its commit, deterministic mode, CPU features...). One
// row per model name of a run; a models row is shared by every run of the same weights, so
// what may differ between runs lives here. name is the model's display name in the run (the
// model_name of its jobs); runtime_json is the backend's JSON object, NULL when it stated none.
// Runs written before this version have no rows.
constexpr const char kV6[] = R"sql(
CREATE TABLE run_models (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  model_id INTEGER NOT NULL REFERENCES models(id),
  runtime_json TEXT,
  PRIMARY KEY (run_id, name)
);
)sql";

}  // namespace

const char* const kMigrations[] = {kV1, kV2, kV3, kV4, kV5, kV6};
const size_t kNumMigrations = std::size(kMigrations);

static_assert(std::size(kMigrations) == RunStore::kSchemaVersion,
              "one migration step per schema version");

}  // namespace store_schema
}  // namespace mnemo
