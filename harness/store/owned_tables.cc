#include "harness/store/owned_tables.h"

#include <sqlite3.h>

#include "harness/store/sql_query.h"

namespace mnemo {
namespace {

Status ExecSql(RunStore* store, const std::string& sql, const std::string& what) {
  char* err = nullptr;
  if (sqlite3_exec(store->db(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err != nullptr ? err : "sqlite error";
    sqlite3_free(err);
    return Status::IoError("run store '" + store->path() + "': " + what + ": " + m);
  }
  return Status::Ok();
}

// The owner's version, and whether schema_owners records it (the tables of a store from before
// schema 7 are version 1 without a row until a writer records them).
struct SeenVersion {
  int version = 0;
  bool recorded = false;
};

Result<SeenVersion> ReadVersion(const RunStore& store, const OwnedTables& tables) {
  auto registry = TableExists(store, "schema_owners");
  if (!registry.ok()) return registry.status();
  if (*registry) {
    SqlQuery q(store, "SELECT version FROM schema_owners WHERE owner = ?");
    q.Bind(std::string(tables.owner));
    if (q.Next()) return SeenVersion{static_cast<int>(q.Int(0)), true};
    if (!q.status().ok()) return q.status();
  }
  auto legacy = TableExists(store, tables.first_table);
  if (!legacy.ok()) return legacy.status();
  return SeenVersion{*legacy ? 1 : 0, false};
}

Status Record(RunStore* store, const OwnedTables& tables, int version) {
  return ExecSql(store,
                 "INSERT OR REPLACE INTO schema_owners (owner, version) VALUES ('" +
                     std::string(tables.owner) + "', " + std::to_string(version) + ")",
                 std::string("recording the version of the tables of ") + tables.owner);
}

}  // namespace

Result<bool> TableExists(const RunStore& store, const std::string& table) {
  SqlQuery q(store, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  q.Bind(table);
  bool exists = q.Next();
  if (!q.status().ok()) return q.status();
  return exists;
}

Result<bool> ColumnExists(const RunStore& store, const std::string& table,
                          const std::string& column) {
  SqlQuery q(store, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?");
  q.Bind(table);
  q.Bind(column);
  bool exists = q.Next();
  if (!q.status().ok()) return q.status();
  return exists;
}

Result<int> OwnedTablesVersion(const RunStore& store, const OwnedTables& tables) {
  auto seen = ReadVersion(store, tables);
  if (!seen.ok()) return seen.status();
  return seen->version;
}

Status EnsureOwnedTables(RunStore* store, const OwnedTables& tables) {
  const int latest = static_cast<int>(tables.num_migrations);
  const std::string who = std::string("tables of ") + tables.owner;
  const bool own_txn = sqlite3_get_autocommit(store->db()) != 0;
  const bool read_only = sqlite3_db_readonly(store->db(), "main") == 1;
  for (;;) {
    auto seen = ReadVersion(*store, tables);
    if (!seen.ok()) return seen.status();
    if (seen->version > latest) {
      return Status::InvalidArgument("run store '" + store->path() + "': the " + who +
                                     " are at version " + std::to_string(seen->version) +
                                     ", newer than this mnemo (" + std::to_string(latest) +
                                     "); upgrade mnemo");
    }
    if (seen->version == latest && (seen->recorded || read_only)) return Status::Ok();
    if (read_only) {
      return Status::IoError("run store '" + store->path() + "' is read-only and its " + who +
                             " are at version " + std::to_string(seen->version) + ", not " +
                             std::to_string(latest));
    }
    if (own_txn) MNEMO_RETURN_IF_ERROR(ExecSql(store, "BEGIN IMMEDIATE", "starting a migration"));
    // Re-read inside the write lock: another process may have migrated meanwhile.
    auto locked = ReadVersion(*store, tables);
    Status s = locked.ok() ? Status::Ok() : locked.status();
    if (s.ok() && locked->version < latest) {
      const int next = locked->version + 1;
      s = ExecSql(store, tables.migrations[locked->version],
                  "migrating the " + who + " to version " + std::to_string(next));
      if (s.ok()) s = Record(store, tables, next);
    } else if (s.ok() && locked->version == latest && !locked->recorded) {
      s = Record(store, tables, latest);  // adopt a table from before schema 7
    }
    if (own_txn) {
      if (!s.ok()) {
        sqlite3_exec(store->db(), "ROLLBACK", nullptr, nullptr, nullptr);
        return s;
      }
      MNEMO_RETURN_IF_ERROR(ExecSql(store, "COMMIT", "committing a migration"));
    } else if (!s.ok()) {
      return s;
    }
  }
}

}  // namespace mnemo
