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

}  // namespace

const char* const kMigrations[] = {kV1};
const size_t kNumMigrations = std::size(kMigrations);

static_assert(std::size(kMigrations) == RunStore::kSchemaVersion,
              "one migration step per schema version");

}  // namespace store_schema
}  // namespace mnemo
