// A store written by mnemo before the audits owned their tables (commit 25ec6d4, schema 6; see
// fixtures/README.md) still works: reports read it as it is, a new audit writes into it (the
// store migrates to the current schema and each audit adopts its old table), and every row it
// held is still there.
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/store/run_store.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing_util::Quote;
using testing_util::ReadFile;
using testing_util::RunCommand;
using testing_util::TempDir;
using testing_util::WriteFile;

const std::string kFixture = std::string(MNEMO_STORE_FIXTURES) + "/main-25ec6d4.db";

std::string One(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  std::string out;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  if (st != nullptr && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

// A table's columns, quoted and joined for a SELECT list.
std::string Columns(const std::string& db, const std::string& table) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::string cols;
  sqlite3_stmt* st = nullptr;
  std::string info = "SELECT name FROM pragma_table_info('" + table + "')";
  EXPECT_EQ(sqlite3_prepare_v2(h, info.c_str(), -1, &st, nullptr), SQLITE_OK);
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW)
    cols += std::string(cols.empty() ? "" : ", ") + "\"" +
            reinterpret_cast<const char*>(sqlite3_column_text(st, 0)) + "\"";
  sqlite3_finalize(st);
  sqlite3_close(h);
  return cols;
}

// Every row of a table (those columns), each as a JSON array, sorted.
std::vector<std::string> Rows(const std::string& db, const std::string& table,
                              const std::string& cols) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  // json_array(*) is not SQL; list the columns instead.
  sqlite3_stmt* st = nullptr;
  std::vector<std::string> rows;
  std::string sql = "SELECT json_array(" + cols + ") FROM " + table;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW)
    rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(h);
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(StoreFromMain, ReportsReadItAndAuditsWriteIntoIt) {
  TempDir dir;
  const std::string db = dir.File("main.db");
  std::filesystem::copy_file(kFixture, db);
  ASSERT_EQ(One(db, "PRAGMA user_version"), "6");
  const std::vector<std::string> tables = {"runs",         "jobs",           "requests",
                                           "samples",      "metrics",        "mem_probes",
                                           "pii_findings", "decontam_items", "run_models"};
  std::vector<std::vector<std::string>> before;
  std::vector<std::string> columns;  // as the fixture has them (later versions add some)
  for (const auto& t : tables) {
    columns.push_back(Columns(db, t));
    before.push_back(Rows(db, t, columns.back()));
    EXPECT_FALSE(before.back().empty()) << t << " is empty in the fixture";
  }

  // A report reads it as it is, with every audit's section, and leaves it at schema 6.
  auto r = RunCommand(std::string(MNEMO_EXE) + " report --db " + Quote(db) + " --out " +
                      Quote(dir.File("r1.html")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = ReadFile(dir.File("r1.html"));
  for (const char* section : {"id=\"memorization\"", "id=\"pii\"", "id=\"decontamination\""})
    EXPECT_THAT(html, HasSubstr(section));
  EXPECT_EQ(One(db, "PRAGMA user_version"), "6");

  // A PII scan into it: the store migrates, the PII scanner adopts its table as version 1 and
  // migrates it to version 3 (the model column, '' for the rows it held; the probe_job and
  // piece columns of shard merges).
  WriteFile(dir.File("in.txt"), "write to ada.lovelace@example.org today\n");
  r = RunCommand(std::string(MNEMO_EXE) + " audit pii " + Quote(dir.File("in.txt")) + " --db " +
                 Quote(db) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(One(db, "PRAGMA user_version"), std::to_string(RunStore::kSchemaVersion));
  EXPECT_EQ(One(db, "SELECT version FROM schema_owners WHERE owner = 'pii'"), "3");
  EXPECT_EQ(One(db, "SELECT count(*) FROM pii_findings WHERE model <> ''"), "0");
  EXPECT_EQ(One(db, "SELECT count(*) FROM pii_findings WHERE origin LIKE 'file:%in.txt'"), "1");

  // Every row the store held is still there, unchanged; the audit tables of the other two
  // audits gained none.
  for (size_t i = 0; i < tables.size(); ++i) {
    std::vector<std::string> now = Rows(db, tables[i], columns[i]);
    EXPECT_TRUE(std::includes(now.begin(), now.end(), before[i].begin(), before[i].end()))
        << tables[i];
    if (tables[i] == "mem_probes" || tables[i] == "decontam_items" || tables[i] == "requests") {
      EXPECT_EQ(now, before[i]) << tables[i];
    }
  }
  r = RunCommand(std::string(MNEMO_EXE) + " report --db " + Quote(db) + " --out " +
                 Quote(dir.File("r2.html")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace mnemo
