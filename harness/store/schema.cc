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

// Versions 2-4 created the audits' tables (mem_probes, pii_findings, decontam_items). Since
// version 7 each audit owns its tables (harness/store/owned_tables.h) and creates them when it
// first writes, with the same DDL as its version 1; these steps do nothing in new stores.
constexpr const char kV2[] = "";
constexpr const char kV3[] = "";
constexpr const char kV4[] = "";

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

// Version 7: the version of each engine's own tables (owned_tables.h). Stores from before it
// have none; their audit tables count as version 1 of their owners.
constexpr const char kV7[] = R"sql(
CREATE TABLE schema_owners (
  owner TEXT PRIMARY KEY,
  version INTEGER NOT NULL
);
)sql";

// Version 8: the run lifecycle (docs/store.md, "Run lifecycle"). runs.pid is the process that
// began the run on runs.host (NULL for runs from before this version), so a `running` row
// whose process is gone is recognisably killed. runs.resumed_by is the run that took over an
// unfinished one: the next run of the same name and config marks it (and, when it was killed,
// sets its status to `interrupted`); following the links ends at the run that finished it.
constexpr const char kV8[] = R"sql(
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN resumed_by INTEGER REFERENCES runs(id) ON DELETE SET NULL;
)sql";

// Version 9: jobs run as shard i/N (`--shard`, docs/store.md "Shards"). One row per sharded
// job, written when the job begins with completed_at NULL. config_fingerprint identifies what
// the job computes whatever the shard (the job's config and the options that change results),
// so `mnemo merge` refuses shards of different jobs. plan_json is what a merge needs to
// recompute the job's metrics from the union of the shards' rows ('{}' until complete).
// completed_at is the completion marker: set in the same transaction as the job's last rows,
// so a shard killed at any moment either has all its rows and the marker or no marker.
constexpr const char kV9[] = R"sql(
CREATE TABLE job_shards (
  job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  shard_index INTEGER NOT NULL,
  shard_count INTEGER NOT NULL,
  config_fingerprint TEXT NOT NULL,
  plan_json TEXT NOT NULL DEFAULT '{}',
  completed_at TEXT
);
)sql";

}  // namespace

const char* const kMigrations[] = {kV1, kV2, kV3, kV4, kV5, kV6, kV7, kV8, kV9};
const size_t kNumMigrations = std::size(kMigrations);

static_assert(std::size(kMigrations) == RunStore::kSchemaVersion,
              "one migration step per schema version");

}  // namespace store_schema
}  // namespace mnemo
