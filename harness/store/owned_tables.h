// Tables an engine owns in the run store.
//
// The store's own schema (schema.h: runs, models, jobs, the request cache, samples, metrics,
// run_models) is versioned with PRAGMA user_version. Every other table belongs to one engine
// (the memorisation audit owns mem_probes, the PII scanner pii_findings, decontamination
// decontam_items): the engine declares an OwnedTables with its DDL as append-only migrations,
// calls EnsureOwnedTables before it writes, and is the only code that names those tables in
// SQL; everyone else reads them through the engine's typed API. The version of each owner's
// tables lives in the store's schema_owners table (schema 7).
//
// Stores written before schema 7 created the audit tables themselves (schema steps 2-4, whose
// DDL is each owner's version 1): an owner with no schema_owners row whose `first_table`
// exists is taken to be at version 1.
//
// Thread-safety: the store's rule. Two processes ensuring the same owner at once are safe:
// each step runs in an IMMEDIATE transaction that re-reads the version.
#ifndef MNEMO_HARNESS_STORE_OWNED_TABLES_H_
#define MNEMO_HARNESS_STORE_OWNED_TABLES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "harness/store/run_store.h"
#include "harness/store/sql_query.h"

namespace mnemo {

struct OwnedTables {
  const char* owner;        // e.g. "memorization"; unique in a store
  const char* first_table;  // a table that version 1 creates
  // migrations[i] brings the owner's tables from version i to i + 1. Append-only: a released
  // step's SQL never changes.
  const char* const* migrations;
  size_t num_migrations;
};

// Creates or migrates the owner's tables (a no-op when they are current). Inside an open
// transaction the steps join it; otherwise each runs in its own. Errors: a read-only store
// whose tables are missing or old, tables newer than this mnemo (the message names the store,
// the owner and both versions), or SQL errors.
Status EnsureOwnedTables(RunStore* store, const OwnedTables& tables);

// The owner's version in this store: 0 when its tables are absent. Works on read-only stores
// and on stores of any schema version.
Result<int> OwnedTablesVersion(const RunStore& store, const OwnedTables& tables);

// True when `table` exists in the store's schema (readers of owned tables in older or
// read-only stores check this before they read).
Result<bool> TableExists(const RunStore& store, const std::string& table);
// True when `table` has `column` (a reader of a table whose later versions added columns).
Result<bool> ColumnExists(const RunStore& store, const std::string& table,
                          const std::string& column);

// The rows of one job in an owned table, none when the store lacks the table (older and
// read-only stores): `sql` selects them with the job id as its one parameter, and read(q)
// makes the Row of q's current row.
template <typename Row, typename Read>
Result<std::vector<Row>> ReadJobRows(const RunStore& store, const std::string& table,
                                     const char* sql, int64_t job_id, Read read) {
  auto exists = TableExists(store, table);
  if (!exists.ok()) return exists.status();
  std::vector<Row> out;
  if (!*exists) return out;
  SqlQuery q(store, sql);
  q.Bind(job_id);
  while (q.Next()) out.push_back(read(q));
  if (!q.status().ok()) return q.status();
  return out;
}

}  // namespace mnemo

#endif  // MNEMO_HARNESS_STORE_OWNED_TABLES_H_
