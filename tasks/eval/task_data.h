// Loading a task's documents from local files.
//
// A split comes from dataset_kwargs.data_files[split], or from dataset_path (a file: the
// evaluation split; a folder: <split>.jsonl|.json|.csv|.tsv|.txt inside it). Formats: JSON
// Lines, a JSON array, CSV/TSV (RFC 4180 quoting; header row unless dataset_columns is set),
// text (one document {"text": line} per non-empty line), wikitext_articles (a WikiText file
// split into articles at " = Title = " lines: one document {"page": article} each). gzip and
// zstd compressed files are read transparently. Errors name the file, line and field.
#ifndef MNEMO_TASKS_EVAL_TASK_DATA_H_
#define MNEMO_TASKS_EVAL_TASK_DATA_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/config/task_config.h"

namespace mnemo {

// The file holding `split`; NotFound naming the task and the split when there is none.
Result<std::string> SplitFile(const TaskConfig& task, const std::string& split);

// Reads every document of `split` (limit 0 = all).
Result<std::vector<nlohmann::json>> LoadSplit(const TaskConfig& task, const std::string& split,
                                              size_t limit = 0);

// Parses one CSV record starting at `pos`; returns false at the end of input. Exposed for tests.
bool ParseCsvRecord(const std::string& data, size_t* pos, char sep, std::vector<std::string>* out,
                    std::string* error);

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_TASK_DATA_H_
