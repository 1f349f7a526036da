// The decontamination audit's table in the run store, decontam_items: one row per eval item and
// method of a job. This engine owns its DDL (kItemTables), its writer (audit.cc) and its reader
// (here); nothing else names the table in SQL.
//
// Columns: status is the method's verdict (methods.h MethodStatuses: clean, dirty, and llama2's
// not_clean); overlap the matched fraction; evidence_json a JSON list of {doc, file, line,
// offset, length, ngrams, text} from the corpus (offset and length absent when the match could
// not be placed in the line).
//
// Thread-safety: the store's rule.
#ifndef MNEMO_AUDITS_DECONTAM_ITEM_TABLE_H_
#define MNEMO_AUDITS_DECONTAM_ITEM_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "harness/store/owned_tables.h"
#include "harness/store/run_store.h"

namespace mnemo {
namespace decontam {

extern const OwnedTables kItemTables;

// A stored item verdict as reports show it (evidence is not read).
struct ItemRow {
  int64_t job_id = 0;
  std::string task;
  std::string item_id;
  std::optional<int64_t> doc_index;  // the task document's index (absent in the first stores)
  std::string method;
  std::string status;
  double overlap = 0;
};

// The items of one job by task and item id; empty when the store has no decontam_items.
Result<std::vector<ItemRow>> ListItems(const RunStore& store, int64_t job_id);
// Whether the store holds any item.
Result<bool> AnyItems(const RunStore& store);

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_ITEM_TABLE_H_
