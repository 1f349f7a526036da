#include "harness/store/sql_query.h"

#include <sqlite3.h>

namespace mnemo {

SqlQuery::SqlQuery(const RunStore& store, const char* sql) : store_(store), what_(sql) {
  if (sqlite3_prepare_v2(store.db(), sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    status_ = Status::IoError("run store '" + store.path() + "': preparing '" + what_ +
                              "': " + sqlite3_errmsg(store.db()));
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

SqlQuery::~SqlQuery() {
  sqlite3_finalize(stmt_);
}

SqlQuery& SqlQuery::Bind(int64_t v) {
  if (stmt_ != nullptr) sqlite3_bind_int64(stmt_, bind_index_++, v);
  return *this;
}

SqlQuery& SqlQuery::Bind(const std::string& v) {
  if (stmt_ != nullptr)
    sqlite3_bind_text(stmt_, bind_index_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

bool SqlQuery::Next() {
  if (stmt_ == nullptr || !status_.ok()) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE)
    status_ = Status::IoError("run store '" + store_.path() + "': reading '" + what_ +
                              "': " + sqlite3_errmsg(store_.db()));
  return false;
}

int64_t SqlQuery::Int(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
double SqlQuery::Double(int col) const {
  return sqlite3_column_double(stmt_, col);
}

std::optional<double> SqlQuery::OptDouble(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(stmt_, col);
}

std::optional<int64_t> SqlQuery::OptInt(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

std::string SqlQuery::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<bool> TableHasRows(const RunStore& store, const std::string& table) {
  {
    SqlQuery q(store, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    q.Bind(table);
    bool exists = q.Next();
    if (!q.status().ok()) return q.status();
    if (!exists) return false;
  }
  // The name was checked against the schema above, so it is safe to splice.
  std::string sql = "SELECT 1 FROM \"" + table + "\" LIMIT 1";
  SqlQuery q(store, sql.c_str());
  bool any = q.Next();
  if (!q.status().ok()) return q.status();
  return any;
}

}  // namespace mnemo
