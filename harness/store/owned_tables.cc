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

}  // namespace

Result<bool> TableExists(const RunStore& store, const std::string& table) {
  SqlQuery q(store, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  q.Bind(table);
  bool exists = q.Next();
  if (!q.status().ok()) return q.status();
  return exists;
}

Result<int> OwnedTablesVersion(const RunStore& store, const OwnedTables& tables) {
  auto registry = TableExists(store, "schema_owners");
  if (!registry.ok()) return registry.status();
  if (*registry) {
    SqlQuery q(store, "SELECT version FROM schema_owners WHERE owner = ?");
    q.Bind(std::string(tables.owner));
    if (q.Next()) return static_cast<int>(q.Int(0));
    if (!q.status().ok()) return q.status();
  }
  // No row: a store from before schema 7 made version 1 itself, if the table is there.
  auto legacy = TableExists(store, tables.first_table);
  if (!legacy.ok()) return legacy.status();
  return *legacy ? 1 : 0;
}

Status EnsureOwnedTables(RunStore* store, const OwnedTables& tables) {
  const int latest = static_cast<int>(tables.num_migrations);
  const std::string who = std::string("tables of ") + tables.owner;
  const bool own_txn = sqlite3_get_autocommit(store->db()) != 0;
  for (;;) {
    auto current = OwnedTablesVersion(*store, tables);
    if (!current.ok()) return current.status();
    if (*current == latest) return Status::Ok();
    if (*current > latest) {
      return Status::InvalidArgument("run store '" + store->path() + "': the " + who +
                                     " are at version " + std::to_string(*current) +
                                     ", newer than this mnemo (" + std::to_string(latest) +
                                     "); upgrade mnemo");
    }
    if (sqlite3_db_readonly(store->db(), "main") == 1) {
      return Status::IoError("run store '" + store->path() + "' is read-only and its " + who +
                             " are at version " + std::to_string(*current) + ", not " +
                             std::to_string(latest));
    }
    if (own_txn) MNEMO_RETURN_IF_ERROR(ExecSql(store, "BEGIN IMMEDIATE", "starting a migration"));
    // Re-read inside the write lock: another process may have migrated meanwhile.
    auto locked = OwnedTablesVersion(*store, tables);
    Status s = locked.ok() ? Status::Ok() : locked.status();
    if (s.ok() && *locked < latest) {
      const int next = *locked + 1;
      s = ExecSql(store, tables.migrations[*locked],
                  "migrating the " + who + " to version " + std::to_string(next));
      if (s.ok()) {
        s = ExecSql(store,
                    "INSERT OR REPLACE INTO schema_owners (owner, version) VALUES ('" +
                        std::string(tables.owner) + "', " + std::to_string(next) + ")",
                    "recording the " + who + " version");
      }
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
