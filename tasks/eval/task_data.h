// Loading a task's documents from local files.
//
// A split comes from dataset_kwargs.data_files[split], or from dataset_path: a file is the
// evaluation split; a folder (a local one, or a Hub name's snapshot DATA_ROOT/NAME, as
// `huggingface-cli download --repo-type dataset NAME --local-dir DATA_ROOT/NAME` writes it or
// as the Hub's refs/convert/parquet branch lays it out) is searched in this order, with
// CONFIG = dataset_name, EXT one of .jsonl .json .csv .tsv .txt .jsonl.gz .jsonl.zst .parquet
// (preferred in that order), and SPLIT-* a sharded split (all shards, in name order):
//   when the folder has a CONFIG subfolder: CONFIG/SPLIT/*.parquet (refs/convert/parquet),
//     CONFIG/SPLIT.EXT, CONFIG/SPLIT-*.EXT (ai2_arc: ARC-Easy/test-00000-of-00001.parquet;
//     gsm8k: main/test-00000-of-00001.parquet); nothing outside CONFIG;
//   otherwise (no dataset_name, or a dataset_name that is no subfolder: a one-config snapshot):
//     SPLIT.EXT, SPLIT-*.EXT, data/SPLIT.EXT, data/SPLIT-*.EXT (boolq:
//     data/validation-00000-of-00001.parquet), default/SPLIT/*.parquet.
// A split found nowhere is NotFound listing every path tried.
//
// Formats: JSON Lines, a JSON array, a JSON object with the records under dataset_kwargs.field
// (HF's json loader `field`: BBH's {"examples": [...]}), Parquet (through DuckDB: a field per
// column, lists and structs nested; a build without DuckDB refuses naming the file and
// scripts/provision-duckdb.sh), CSV/TSV (RFC 4180 quoting; header row unless dataset_columns is
// set), text (one document {"text": line} per non-empty line), wikitext_articles (a WikiText
// file split into articles at " = Title = " lines: one document {"page": article} each). gzip
// and zstd compressed files are read transparently. Errors name the file, line and field.
#ifndef MNEMO_TASKS_EVAL_TASK_DATA_H_
#define MNEMO_TASKS_EVAL_TASK_DATA_H_

#include <string>
#include <vector>

#include "harness/core/status.h"
#include "tasks/config/task_config.h"
#include "tasks/doc.h"

namespace mnemo {

// The files holding `split` (several: one split's shards, read in this order); NotFound naming
// the task, the split and the paths tried when there is none.
Result<std::vector<std::string>> SplitFiles(const TaskConfig& task, const std::string& split);
// The first of SplitFiles.
Result<std::string> SplitFile(const TaskConfig& task, const std::string& split);

// Reads every document of `split` (limit 0 = all), keys in the file's order (tasks/doc.h).
Result<std::vector<Doc>> LoadSplit(const TaskConfig& task, const std::string& split,
                                   size_t limit = 0);

// Parses one CSV record starting at `pos`; returns false at the end of input. Exposed for tests.
bool ParseCsvRecord(const std::string& data, size_t* pos, char sep, std::vector<std::string>* out,
                    std::string* error);

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_TASK_DATA_H_
