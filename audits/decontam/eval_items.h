// The eval side of decontamination: one item per benchmark document, as the model sees it.
//
// For a task, an item's text is doc_to_text(doc) + target_delimiter + the target text (the
// gold choice for multiple choice), zero-shot (few-shot examples are other documents); for a
// loglikelihood_rolling task it is the scored text (doc_to_target). Item ids are the
// document's "id" field when it has one (a string or number), else its index in the
// evaluation split, so they line up with the run store's samples (doc_index).
//
// For plain JSON Lines, an item is one line's string field (a dotted path), its id the
// --eval-id field or the line number.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_DECONTAM_EVAL_ITEMS_H_
#define MNEMO_AUDITS_DECONTAM_EVAL_ITEMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/status.h"

namespace mnemo {
namespace decontam {

struct EvalItem {
  std::string task;  // task name, or the JSONL file's stem
  std::string id;
  int64_t index = 0;  // document index in the task's evaluation split (or 0-based line)
  std::string text;
};

// Items of the named tasks, groups or tags (resolved by the registry; `task_dirs` are added
// to the shipped folder). `limit` > 0 keeps the first `limit` documents of each task.
Result<std::vector<EvalItem>> LoadTaskItems(const std::vector<std::string>& names,
                                            const std::vector<std::string>& task_dirs,
                                            size_t limit = 0);

// Items from a JSON Lines file: `field` (dotted path) must be a string on every line (the
// error names the file, line and field); `id_field` ("" = line number) a string or number.
Result<std::vector<EvalItem>> LoadJsonlItems(const std::string& path, const std::string& field,
                                             const std::string& id_field);

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_EVAL_ITEMS_H_
