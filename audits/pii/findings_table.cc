#include "audits/pii/findings_table.h"

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

const char* const kMigrations[] = {kV1, kV2};

}  // namespace

const OwnedTables kFindingsTables = {"pii", "pii_findings", kMigrations, std::size(kMigrations)};

Result<std::vector<FindingRow>> ListFindings(const RunStore& store, int64_t job_id) {
  // Stores at version 1 (read as they are) have no model column.
  auto has_model = ColumnExists(store, "pii_findings", "model");
  if (!has_model.ok()) return has_model.status();
  const std::string sql = std::string(
                              "SELECT origin, doc, entity, start, \"end\", cp_start, cp_end, "
                              "score, likelihood, validator, quote, ") +
                          (*has_model ? "model" : "''") +
                          " FROM pii_findings WHERE job_id = ? ORDER BY rowid";
  return ReadJobRows<FindingRow>(
      store, "pii_findings", sql.c_str(), job_id, [&](const SqlQuery& q) {
        // FindingRow's fields in order, the columns as selected.
        return FindingRow{job_id,    q.Text(0),  q.Text(1), q.Text(2),   q.Int(3),
                          q.Int(4),  q.Int(5),   q.Int(6),  q.Double(7), q.Text(8),
                          q.Text(9), q.Text(10), q.Text(11)};
      });
}

Result<bool> AnyFindings(const RunStore& store) {
  return TableHasRows(store, "pii_findings");
}

}  // namespace mnemo::pii
