// Task definitions: lm-evaluation-harness's YAML task format is mnemo's native format.
//
// A task file is an lm-eval task YAML whose data is local. The supported subset: task,
// task_alias, tag, dataset_path (a local file or folder, one of lm-eval's builtin loaders
// "json"/"csv"/"text" with dataset_kwargs.data_files, or a Hub name under the data root, see
// tasks/eval/task_data.h), dataset_name (the config: a subfolder of a snapshot folder),
// dataset_kwargs.data_files and .field (the key of a JSON file's records),
// {training,validation,test,fewshot}_split, description, doc_to_text/doc_to_target/
// doc_to_choice (field names, Jinja templates, lists), target_delimiter, fewshot_delimiter,
// fewshot_config (sampler default|first_n, split, doc_to_* overrides),
// num_fewshot, output_type, generation_kwargs, repeats, filter_list, metric_list,
// should_decontaminate, doc_to_decontamination_query, metadata, include (merged, relative to
// the file). mnemo adds `dataset_format` (jsonl, json, parquet, csv, tsv, text,
// wikitext_articles) when the extension does not say, and `dataset_columns` for CSV files
// without a header row (MMLU's own files: question, A, B, C, D, answer).
//
// `!function MODULE.FUNCTION` hooks (doc_to_*, process_docs, process_results) run as mnemo's
// built-ins when the module file beside the YAML is one they were written for
// (tasks/hooks/hook_registry.h); `!builtin ID` names one in mnemo's own YAMLs.
// Anything else — other hooks, use_prompt, doc_to_image, unsafe code — is refused with the YAML
// path and the construct named, never ignored. Groups are YAMLs with `group:` and `task: [...]`.
#ifndef MNEMO_TASKS_CONFIG_TASK_CONFIG_H_
#define MNEMO_TASKS_CONFIG_TASK_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo {

enum class OutputType { kLoglikelihood, kLoglikelihoodRolling, kMultipleChoice, kGenerateUntil };
const char* OutputTypeName(OutputType t);

struct MetricSpec {
  std::string metric;       // acc, acc_norm, exact_match, word_perplexity, ...
  std::string aggregation;  // mean, perplexity, f1, ... (default per metric)
  bool higher_is_better = true;
  bool higher_is_better_set = false;                 // false: the metric's own default applies
  nlohmann::json kwargs = nlohmann::json::object();  // e.g. ignore_case, regexes_to_ignore
};

struct FilterChainSpec {
  std::string name = "none";
  nlohmann::json steps = nlohmann::json::array();  // [{function: regex, ...}, ...]
};

struct TaskConfig {
  std::string task;
  std::string alias;
  std::vector<std::string> tags;
  std::string source_path;  // the YAML file
  std::string base_dir;     // its folder: relative data paths resolve here

  // Data.
  std::string dataset_path;  // local file/folder or builtin loader name
  std::string dataset_name;  // the Hub config: a snapshot's subfolder
  // A folder of Hub dataset snapshots (--data-root), set by the caller before LoadTaskFile
  // (TaskRegistry::SetDataRoot): a dataset_path that is no local path names DIR/dataset_path.
  std::string data_root;
  std::string data_field;                         // dataset_kwargs.field: JSON records' key
  std::map<std::string, std::string> data_files;  // split -> file (absolute)
  std::string dataset_format;                     // empty = from the file extension
  std::vector<std::string> dataset_columns;       // CSV/TSV without a header row: the names
  std::string training_split, validation_split, test_split, fewshot_split;

  // Prompting. Each doc_to_* is a JSON value: a string (field name or template), an
  // integer, or a list; null when absent. Built-in hooks are strings "!builtin:ID".
  std::string description;
  nlohmann::json doc_to_text, doc_to_target, doc_to_choice;
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
  std::string fewshot_sampler = "default";  // default | first_n
  nlohmann::json fewshot_doc_to_text, fewshot_doc_to_target, fewshot_doc_to_choice;
  std::optional<std::string> fewshot_target_delimiter, fewshot_fewshot_delimiter;
  // The text the assistant's answer starts with (a field name or a template), and the few-shot
  // examples' (fewshot_config.gen_prefix, else the task's). Empty = none, as in lm-eval.
  std::string gen_prefix, fewshot_gen_prefix;
  // fewshot_config.samples: the few-shot examples written in the YAML (a list of documents), used
  // when no few-shot split is named (lm-eval's fewshot_docs); null when absent.
  nlohmann::json fewshot_samples;
  int num_fewshot = 0;
  OutputType output_type = OutputType::kGenerateUntil;
  std::string process_results;  // built-in hook id or empty
  std::string process_docs;     // built-in hook id or empty (tasks/hooks/hook_registry.h)

  // Generation.
  std::vector<std::string> until;
  uint32_t max_gen_toks = 256;
  bool do_sample = false;
  float temperature = 0.0f;
  float top_p = 1.0f;
  int32_t top_k = 0;
  int repeats = 1;

  std::vector<FilterChainSpec> filters;  // at least {"none": []}
  std::vector<MetricSpec> metrics;
  bool should_decontaminate = false;
  nlohmann::json doc_to_decontamination_query;
  double version = 0.0;

  nlohmann::json raw;  // the merged YAML as JSON, for the results' "configs"
  // The file that set each top-level key of `raw` (an included one for inherited keys), so a
  // group's overrides can be re-read with hooks resolved beside the right file (OverrideTask).
  std::map<std::string, std::string> key_files;
  // `unsafe_code: true` (HumanEval, MBPP): the task is scored by running the model's code, which
  // mnemo never does. Such a task loads (it is listed) with only its names and dataset read, and
  // is refused when a run asks for it (TasksJob::Create), naming why.
  bool unsafe_code = false;

  // The split the task is evaluated on: test, else validation, else training.
  std::string EvalSplit() const;
  // The split few-shot examples come from: fewshot_split, else training, else validation.
  std::string FewshotSplit() const;
  // Whether the few-shot examples are fewshot_samples rather than a split (lm-eval's
  // fewshot_docs: a named few-shot split first, else the samples).
  bool FewshotFromSamples() const { return fewshot_split.empty() && fewshot_samples.is_array(); }
};

// A group YAML (lm-eval's GroupConfig). `tasks` are names of tasks, groups or tags, as
// written (a single string becomes a one-item list); TaskRegistry resolves them into a tree.
struct GroupConfig {
  std::string group;
  std::string alias;
  std::string source_path;
  std::vector<std::string> tasks;
  // lm-eval's inline entries `- task: NAME` with more keys: NAME's config with those keys
  // replaced (num_fewshot, say), or for a group every task below it. Keyed by child name.
  std::map<std::string, nlohmann::json> overrides;
  struct Aggregate {
    std::string metric;
    std::string aggregation = "mean";
    bool weight_by_size = true;
    std::vector<std::string> filters = {"none"};
    // Whether the YAML gave filter_list. Without one, lm-eval aggregates every filter the leaf
    // tasks report for the metric (sorted), and `filters` is not used.
    bool filter_list_given = false;
  };
  std::vector<Aggregate> aggregates;
  double version = 0.0;
};

// Loads a task or group YAML. Exactly one of the outputs is filled (`*is_group` says which).
// Errors name the file and the YAML key ("tasks/defs/x.yaml: key 'process_docs': ...").
Status LoadTaskFile(const std::string& path, TaskConfig* task, GroupConfig* group, bool* is_group);

// `base` with the keys of `overrides` replaced (lm-eval's {**base_config, **inline_entry}), read
// again as one task YAML; `key_files[KEY]` is the group YAML that wrote KEY (hooks resolve beside
// it; errors name it). The task's name is kept; a `task` key in `overrides` is ignored.
Result<TaskConfig> OverrideTask(const TaskConfig& base, const nlohmann::json& overrides,
                                const std::map<std::string, std::string>& key_files);

// Converts a YAML document to JSON. `!function x.y` scalars become "!function:x.y" strings so
// the task loader can name them. Errors name the file and the line.
Result<nlohmann::json> LoadYamlAsJson(const std::string& path);

}  // namespace mnemo

#endif  // MNEMO_TASKS_CONFIG_TASK_CONFIG_H_
