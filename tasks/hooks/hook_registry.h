// Built-in versions of lm-eval's Python task hooks (`!function MODULE.FUNCTION` in a task YAML).
//
// mnemo runs no Python. A hook is accepted only when mnemo has a built-in written for it, and a
// built-in is chosen by the hook's module and function AND by the module file lm-eval would
// import: `<folder of the YAML that names it>/MODULE.py` (lm_eval/utils.py import_function).
// Each built-in lists the SHA-256 of the module files it was written for (lm-eval's at commit
// 4e7e0d47), so the many tasks naming `utils.process_docs` are told apart, and a changed or
// missing module file is refused when the task loads, never guessed.
//
// `!builtin ID` (a YAML tag of mnemo's own) names a built-in by its id without a module file;
// mnemo's shipped task YAMLs use it, as they ship no Python.
//
// The built-ins (ids):
//   preprocess_wikitext.wikitext_detokenizer  doc_to_target    lm_eval/tasks/wikitext
//   preprocess_wikitext.process_results       process_results  (the evaluator counts words and
//                                                              bytes on the original page)
//   hellaswag/utils.process_docs              process_docs     lm_eval/tasks/hellaswag
//   preprocess_winogrande.doc_to_text         doc_to_text      lm_eval/tasks/winogrande
//   preprocess_winogrande.doc_to_target       doc_to_target
//   preprocess_winogrande.doc_to_choice       doc_to_choice
//   gpqa/n_shot/utils.process_docs            process_docs     lm_eval/tasks/gpqa/n_shot
//                                                              (random.Random(42) shuffle)
//   gpqa/zeroshot/utils.process_docs          process_docs     lm_eval/tasks/gpqa/zeroshot
//                                                              (lm-eval's random.seed(0) shuffle)
//   gpqa/cot/utils.process_docs               process_docs     gpqa/{cot_n_shot,cot_zeroshot,
//                                                              generative} (as zeroshot, +choices)
//   mmlu_pro/utils.doc_to_text                doc_to_text      lm_eval/tasks/mmlu_pro
//   mmlu_pro/utils.fewshot_to_text            doc_to_text
//   mmlu_pro/utils.fewshot_to_target          doc_to_target
//   mmlu_pro/utils.process_<subject>          process_docs     (14 categories: biology, ...,
//                                                              computer_science, ..., psychology)
//   global_mmlu/default/utils.process_<cat>   process_docs     global_mmlu/default/<lang> (Lite;
//                                                              business, humanities, medical,
//                                                              other, stem, social_sciences)
//   global_mmlu/full/utils.process_<subject>  process_docs     global_mmlu/full/<lang> (the 57
//                                                              MMLU subjects)
//   bbh/utils.MultiChoiceRegexFilter          filter           lm_eval/tasks/bbh/zeroshot and
//   bbh/utils.NumberParseRegexFilter          filter           bbh/cot_zeroshot (one file;
//   bbh/utils.MapRegexFilter                  filter           tasks/hooks/bbh.cc says what
//   bbh/utils.WordSortFilter                  filter           differs)
//   hendrycks_math/utils.process_docs         process_docs     lm_eval/tasks/hendrycks_math
//   hendrycks_math/utils.process_results      process_results  (exact_match, exact)
//   minerva_math/utils.doc_to_text            doc_to_text      lm_eval/tasks/minerva_math
//   minerva_math/utils.process_docs           process_docs
//   minerva_math/utils.process_results        process_results  (exact_match as normalised strings
//                                                              equal, not sympy; no math_verify)
//   agieval/utils.process_results             process_results  lm_eval/tasks/agieval (cloze acc)
//   agieval/utils.process_results_mcqa        process_results  (acc, acc_norm; several golds)
//   drop/utils.process_docs                   process_docs     lm_eval/tasks/drop
//   drop/utils.process_results                process_results  (em, f1)
//   xquad/utils.process_results_qa            process_results  lm_eval/tasks/xquad (exact_match,
//                                                              f1: transformers' squad_metrics)
//
// Thread-safety: the registry is immutable; every function here is thread-safe.
#ifndef MNEMO_TASKS_HOOKS_HOOK_REGISTRY_H_
#define MNEMO_TASKS_HOOKS_HOOK_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/doc.h"
#include "tasks/filters/filters.h"

namespace mnemo {
namespace hooks {

enum class HookKind {
  kProcessDocs,
  kDocToText,
  kDocToTarget,
  kDocToChoice,
  kProcessResults,
  kFilter,  // a filter class named as a filter step's `function` (bbh's utils.MapRegexFilter)
  kFewshotSamples,  // fewshot_config.samples: the few-shot documents (minerva_math's)
};
const char* HookKindName(HookKind k);

// doc -> value (doc_to_text / doc_to_target / doc_to_choice).
using DocFn = std::function<Result<Doc>(const Doc& doc)>;
// The documents of a split -> the processed documents (process_docs).
using DocsFn = std::function<Result<std::vector<Doc>>(std::vector<Doc>)>;

// One document's results as lm-eval hands them to process_results(doc, results): for
// generate_until the filtered response (`texts`, one item unless a filter kept a list); for
// loglikelihood and multiple_choice one (log-likelihood, is_greedy) pair per request, in request
// order (`lls`, `is_greedy`).
struct DocResults {
  std::vector<std::string> texts;
  std::vector<double> lls;
  std::vector<bool> is_greedy;
};
// process_results: the document's metrics, lm-eval's returned dict {metric: value}.
using ResultsFn =
    std::function<Result<std::map<std::string, double>>(const Doc& doc, const DocResults& results)>;
// A filter class: the step's arguments (the step mapping without `function`) -> the filter.
// Arguments it does not take are refused naming them, as lm-eval's constructor would.
using FilterFn = std::function<Result<std::shared_ptr<const Filter>>(const nlohmann::json& args)>;

struct BuiltinHook {
  std::string id;        // what a TaskConfig holds after "!builtin:"
  std::string module;    // "utils" for `!function utils.process_docs`
  std::string function;  // "process_docs"
  HookKind kind;
  std::vector<std::string> module_sha256;  // lowercase hex of the module files it implements
  std::string origin;                      // "lm_eval/tasks/hellaswag/utils.py at 4e7e0d47"
  DocFn doc_fn;                            // doc_to_* kinds
  DocsFn docs_fn;                          // process_docs
  ResultsFn results_fn;                    // process_results (wikitext's has none: the
                                           // evaluator counts its words and bytes itself)
  FilterFn filter_fn;                      // filter classes
  // process_results: the metrics it gives; a task's metric_list naming another is refused when
  // the task loads (before any request), naming it. Empty: not checked until results.
  std::vector<std::string> gives;
  std::function<nlohmann::json()> samples_fn;  // fewshot_config.samples: a list of documents
};

// Every built-in, in the order of the table above.
const std::vector<BuiltinHook>& BuiltinHooks();
// By id; null when there is none.
const BuiltinHook* FindBuiltin(const std::string& id);

// The kind of hook a task key takes: process_docs, doc_to_text, ..., process_results; also
// "fewshot_config.doc_to_text" etc.; a filter step's "filter_list[I].filter[J].function" takes a
// filter class. False for keys that take no hook.
bool KindOfKey(const std::string& key, HookKind* kind);

// Resolves `!function NAME` written under `key` in `yaml_path`: hashes
// `<dir of yaml_path>/<module>.py` and finds the built-in for that module, function and file.
// Refused (InvalidArgument, "YAML: key 'KEY': ...") when the module file is missing, when its hash
// is not one a built-in was written for (naming the path and the hash), when no built-in has the
// module and function, or when the hook is of another kind than the key takes.
Result<const BuiltinHook*> ResolveFunction(const std::string& yaml_path, const std::string& key,
                                           const std::string& name);
// Resolves `!builtin ID` under `key`: the id must exist and be of the key's kind.
Result<const BuiltinHook*> ResolveBuiltin(const std::string& yaml_path, const std::string& key,
                                          const std::string& id);

// The filter factory task loading hands to ParseFilterList: "!builtin:ID" functions are built by
// the hook's filter_fn.
FilterFactory HookFilters();

// Hugging Face datasets' `Dataset.map(f)` for a function returning a dict: every document keeps
// its columns, the returned ones are added or overwritten. `f` must give a JSON object.
Result<std::vector<Doc>> MapDocs(std::vector<Doc> docs, const DocFn& f);

// The built-ins' own functions, for tests and for callers outside task loading.
// lm-eval's preprocess_wikitext.wikitext_detokenizer on one page.
std::string WikitextDetokenize(const std::string& page);
// lm-eval's hellaswag utils.preprocess (strip, " [title]" -> ". ", drop "[...]", "  " -> " ").
std::string HellaswagPreprocess(const std::string& text);

}  // namespace hooks
}  // namespace mnemo

#endif  // MNEMO_TASKS_HOOKS_HOOK_REGISTRY_H_
