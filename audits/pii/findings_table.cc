#include "audits/pii/findings_table.h"

#include <sqlite3.h>

#include <iterator>

#include "harness/store/sql_query.h"

namespace mnemo::pii {
namespace {

// Version 1 (the store's schema step 3 before schema 7).
constexpr const char kV1[] = R"sql(
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

// Version 2: the model whose output a finding is in (memorised outputs; "" for files).
constexpr const char kV2[] = R"sql(
ALTER TABLE pii_findings ADD COLUMN model TEXT NOT NULL DEFAULT '';
)sql";

// Version 3: the probe's job (memorised outputs) and, in shard stores, the piece whose line
// number doc is (-1 elsewhere).
constexpr const char kV3[] = R"sql(
ALTER TABLE pii_findings ADD COLUMN probe_job INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pii_findings ADD COLUMN piece INTEGER NOT NULL DEFAULT -1;
)sql";

const char* const kMigrations[] = {kV1, kV2, kV3};

}  // namespace

const OwnedTables kFindingsTables = {"pii", "pii_findings", kMigrations, std::size(kMigrations)};

Result<std::vector<FindingRow>> ListFindings(const RunStore& store, int64_t job_id) {
  // Stores at version 1 (read as they are) have no model column, those before 3 no probe_job
  // and piece.
  auto has_model = ColumnExists(store, "pii_findings", "model");
  if (!has_model.ok()) return has_model.status();
  auto has_piece = ColumnExists(store, "pii_findings", "piece");
  if (!has_piece.ok()) return has_piece.status();
  const std::string sql = std::string(
                              "SELECT origin, doc, entity, start, \"end\", cp_start, cp_end, "
                              "score, likelihood, validator, quote, ") +
                          (*has_model ? "model" : "''") +
                          (*has_piece ? ", probe_job, piece" : ", 0, -1") +
                          " FROM pii_findings WHERE job_id = ? ORDER BY rowid";
  return ReadJobRows<FindingRow>(
      store, "pii_findings", sql.c_str(), job_id, [&](const SqlQuery& q) {
        // FindingRow's fields in order, the columns as selected.
        return FindingRow{job_id,    q.Text(0),  q.Text(1),  q.Text(2),   q.Int(3),
                          q.Int(4),  q.Int(5),   q.Int(6),   q.Double(7), q.Text(8),
                          q.Text(9), q.Text(10), q.Text(11), q.Int(12),   q.Int(13)};
      });
}

Status PutFindings(RunStore* store, int64_t job_id, const std::vector<FindingRow>& rows) {
  MNEMO_RETURN_IF_ERROR(EnsureOwnedTables(store, kFindingsTables));
  sqlite3* db = store->db();
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "INSERT INTO pii_findings (job_id, origin, doc, entity, start, \"end\", cp_start, cp_end, "
      "score, likelihood, validator, quote, model, probe_job, piece) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
    return Status::IoError("run store '" + store->path() +
                           "': preparing pii_findings insert: " + sqlite3_errmsg(db));
  auto text = [&](int col, const std::string& v) {
    sqlite3_bind_text(st, col, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  };
  Status status;
  for (const FindingRow& r : rows) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, job_id);
    text(2, r.origin);
    text(3, r.doc);
    text(4, r.entity);
    sqlite3_bind_int64(st, 5, r.start);
    sqlite3_bind_int64(st, 6, r.end);
    sqlite3_bind_int64(st, 7, r.cp_start);
    sqlite3_bind_int64(st, 8, r.cp_end);
    sqlite3_bind_double(st, 9, r.score);
    text(10, r.likelihood);
    text(11, r.validator);
    text(12, r.quote);
    text(13, r.model);
    sqlite3_bind_int64(st, 14, r.probe_job);
    sqlite3_bind_int64(st, 15, r.piece);
    if (sqlite3_step(st) != SQLITE_DONE) {
      status = Status::IoError("run store '" + store->path() +
                               "': inserting a PII finding: " + sqlite3_errmsg(db));
      break;
    }
  }
  sqlite3_finalize(st);
  return status;
}

Result<bool> AnyFindings(const RunStore& store) {
  return TableHasRows(store, "pii_findings");
}

}  // namespace mnemo::pii
