// The tests' own DuckDB, for tests that write Parquet files to read back through mnemo's
// Parquet reader (datasets/io/parquet_reader.h). Single-threaded, so a writer's row groups are
// exactly the chunks it is given. Only where mnemo was built with DuckDB (MNEMO_HAVE_DUCKDB).
#ifndef MNEMO_TESTS_SUPPORT_DUCKDB_UTIL_H_
#define MNEMO_TESTS_SUPPORT_DUCKDB_UTIL_H_

#ifdef MNEMO_HAVE_DUCKDB

#include <duckdb.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mnemo::testing_util {

class Duck {
 public:
  Duck() {
    EXPECT_EQ(duckdb_open(nullptr, &db_), DuckDBSuccess);
    EXPECT_EQ(duckdb_connect(db_, &con_), DuckDBSuccess);
    Exec("SET threads = 1");
  }
  ~Duck() {
    duckdb_disconnect(&con_);
    duckdb_close(&db_);
  }
  Duck(const Duck&) = delete;
  Duck& operator=(const Duck&) = delete;

  // Runs `sql`; a failure is a test failure quoting the statement.
  void Exec(const std::string& sql) {
    duckdb_result r;
    const bool ok = duckdb_query(con_, sql.c_str(), &r) == DuckDBSuccess;
    EXPECT_TRUE(ok) << duckdb_result_error(&r) << "\n" << sql.substr(0, 300);
    duckdb_destroy_result(&r);
  }
  // Every value of a one-BIGINT-column query.
  std::vector<int64_t> Int64s(const std::string& sql) {
    duckdb_result r;
    std::vector<int64_t> out;
    if (duckdb_query(con_, sql.c_str(), &r) != DuckDBSuccess) {
      ADD_FAILURE() << duckdb_result_error(&r);
    } else {
      for (idx_t i = 0; i < duckdb_row_count(&r); ++i) out.push_back(duckdb_value_int64(&r, 0, i));
    }
    duckdb_destroy_result(&r);
    return out;
  }
  duckdb_connection con() const { return con_; }

 private:
  duckdb_database db_ = nullptr;
  duckdb_connection con_ = nullptr;
};

// Appends `*s` as a VARCHAR, or NULL when `s` holds nothing, to the appender's current row.
inline void AppendText(duckdb_appender app, const std::optional<std::string>& s) {
  if (s)
    duckdb_append_varchar_length(app, s->data(), s->size());
  else
    duckdb_append_null(app);
}

// Writes the JSON Lines file `jsonl` as the Parquet file `parquet`, `group_rows` rows per row
// group (DuckDB's read_json_auto infers the columns).
inline void JsonlToParquet(const std::string& jsonl, const std::string& parquet, int group_rows) {
  Duck duck;
  duck.Exec("COPY (SELECT * FROM read_json_auto('" + jsonl + "')) TO '" + parquet +
            "' (FORMAT parquet, ROW_GROUP_SIZE " + std::to_string(group_rows) + ")");
}

}  // namespace mnemo::testing_util

#endif  // MNEMO_HAVE_DUCKDB

#endif  // MNEMO_TESTS_SUPPORT_DUCKDB_UTIL_H_
