// A prepared SELECT on a run store's connection: the small statement helper that engines use to
// read the tables they own (owned_tables.h) and reports use for the models table. Errors name
// the store file and what was read.
//
// Thread-safety: the store's rule (one thread at a time per connection).
#ifndef MNEMO_HARNESS_STORE_SQL_QUERY_H_
#define MNEMO_HARNESS_STORE_SQL_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "harness/core/status.h"
#include "harness/store/run_store.h"

namespace mnemo {

class SqlQuery {
 public:
  SqlQuery(const RunStore& store, const char* sql);
  ~SqlQuery();
  SqlQuery(const SqlQuery&) = delete;
  SqlQuery& operator=(const SqlQuery&) = delete;

  const Status& status() const { return status_; }
  SqlQuery& Bind(int64_t v);
  SqlQuery& Bind(const std::string& v);
  // Advances to the next row: true with a row, false at the end or on error (see status()).
  bool Next();

  int64_t Int(int col) const;
  double Double(int col) const;
  std::optional<double> OptDouble(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  std::string Text(int col) const;

 private:
  const RunStore& store_;
  std::string what_;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_index_ = 1;
  Status status_;
};

// True when `table` exists in the store's schema and has at least one row.
Result<bool> TableHasRows(const RunStore& store, const std::string& table);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_STORE_SQL_QUERY_H_
