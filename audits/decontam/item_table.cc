#include "audits/decontam/item_table.h"

#include <iterator>

#include "harness/store/sql_query.h"

namespace mnemo {
namespace decontam {
namespace {

// Version 1 (the store's schema step 4 before schema 7).
constexpr const char kV1[] = R"sql(
CREATE TABLE decontam_items (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  task TEXT NOT NULL,
  item_id TEXT NOT NULL,
  doc_index INTEGER NOT NULL,
  method TEXT NOT NULL,
  status TEXT NOT NULL,
  overlap REAL NOT NULL,
  evidence_json TEXT NOT NULL,
  PRIMARY KEY (job_id, task, item_id)
);
)sql";

const char* const kMigrations[] = {kV1};

}  // namespace

const OwnedTables kItemTables = {"decontam", "decontam_items", kMigrations, std::size(kMigrations)};

Result<std::vector<ItemRow>> ListItems(const RunStore& store, int64_t job_id) {
  // doc_index arrived after the first stores with this table; read it where the column exists.
  auto has_doc_index = ColumnExists(store, "decontam_items", "doc_index");
  if (!has_doc_index.ok()) return has_doc_index.status();
  return ReadJobRows<ItemRow>(store, "decontam_items",
                              *has_doc_index
                                  ? "SELECT task, item_id, method, status, overlap, doc_index "
                                    "FROM decontam_items WHERE job_id = ? ORDER BY task, item_id"
                                  : "SELECT task, item_id, method, status, overlap, NULL FROM "
                                    "decontam_items WHERE job_id = ? ORDER BY task, item_id",
                              job_id, [&](const SqlQuery& q) {
                                // ItemRow's fields in order.
                                return ItemRow{job_id,    q.Text(0), q.Text(1),  q.OptInt(5),
                                               q.Text(2), q.Text(3), q.Double(4)};
                              });
}

Result<bool> AnyItems(const RunStore& store) {
  return TableHasRows(store, "decontam_items");
}

}  // namespace decontam
}  // namespace mnemo
