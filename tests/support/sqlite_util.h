// Read-only queries on a run store file, for tests that check what mnemo stored (link
// SQLite::SQLite3). Each call opens and closes its own connection, so it can run beside a
// mnemo process that writes the store (WAL mode; a busy store is waited for up to 5 s).
#ifndef MNEMO_TESTS_SUPPORT_SQLITE_UTIL_H_
#define MNEMO_TESTS_SUPPORT_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace mnemo::testing_util {

// Runs `sql` on `db` (read-only), appending each row to *rows as its columns joined by '|':
// NULL as "NULL", reals with 17 significant digits (equal strings mean equal doubles). On
// failure returns false with SQLite's message in *error.
inline bool QuerySqlite(const std::string& db, const std::string& sql,
                        std::vector<std::string>* rows, std::string* error) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    *error = "cannot open " + db + ": " + (h ? sqlite3_errmsg(h) : "out of memory");
    sqlite3_close(h);
    return false;
  }
  sqlite3_busy_timeout(h, 5000);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    *error = std::string(sqlite3_errmsg(h)) + " in " + sql + " on " + db;
    sqlite3_close(h);
    return false;
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      if (c) row += '|';
      if (sqlite3_column_type(st, c) == SQLITE_FLOAT) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, c));
        row += buf;
      } else if (sqlite3_column_type(st, c) == SQLITE_NULL) {
        row += "NULL";
      } else {
        row += reinterpret_cast<const char*>(sqlite3_column_text(st, c));
      }
    }
    rows->push_back(row);
  }
  if (rc != SQLITE_DONE) *error = std::string(sqlite3_errmsg(h)) + " in " + sql + " on " + db;
  sqlite3_finalize(st);
  sqlite3_close(h);
  return rc == SQLITE_DONE;
}

// Rows of one query (see QuerySqlite); a failure (a missing table, say) is a test failure
// naming the SQL.
inline std::vector<std::string> SqlRows(const std::string& db, const std::string& sql) {
  std::vector<std::string> rows;
  std::string error;
  if (!QuerySqlite(db, sql, &rows, &error)) ADD_FAILURE() << error;
  return rows;
}

// The first column of the first row as an integer; -1 when the query returns no row.
inline int64_t SqlInt(const std::string& db, const std::string& sql) {
  auto rows = SqlRows(db, sql);
  return rows.empty() ? -1 : std::stoll(rows[0]);
}

// Rows in `table` of a store a mnemo process may be writing or may have been killed in: 0 when
// the file or the table does not exist yet (a kill can land after the file was created and
// before the schema committed), -1 when the store cannot be read. Never a test failure.
inline int64_t StoredCount(const std::string& db, const std::string& table) {
  if (!std::filesystem::exists(db)) return 0;
  std::vector<std::string> rows;
  std::string error;
  if (!QuerySqlite(
          db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'",
          &rows, &error))
    return -1;
  if (rows.empty() || rows[0] != "1") return 0;
  rows.clear();
  if (!QuerySqlite(db, "SELECT COUNT(*) FROM " + table, &rows, &error) || rows.empty()) return -1;
  return std::stoll(rows[0]);
}

}  // namespace mnemo::testing_util

#endif  // MNEMO_TESTS_SUPPORT_SQLITE_UTIL_H_
