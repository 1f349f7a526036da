// A loaded task: its configuration with compiled templates, resolving doc_to_text /
// doc_to_target / doc_to_choice and building few-shot contexts exactly as lm-eval does
// (lm_eval/api/task.py: doc_to_*, fewshot_context, build_qa_turn; api/samplers.py).
//
// Thread-safety: const methods are thread-safe; FewshotContext advances the caller's RNG.
#ifndef MNEMO_TASKS_EVAL_TASK_H_
#define MNEMO_TASKS_EVAL_TASK_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/config/task_config.h"
#include "tasks/doc.h"
#include "tasks/eval/prompt.h"
#include "tasks/filters/filters.h"
#include "tasks/jinja/template.h"
#include "tasks/python/pyrandom.h"

namespace mnemo {

class Task {
 public:
  static Result<std::unique_ptr<Task>> Create(TaskConfig config);

  const TaskConfig& config() const { return config_; }
  const std::string& name() const { return config_.task; }

  // lm-eval's doc_to_text: a string, or an int (an index into the choices).
  Result<Doc> DocToText(const Doc& doc, bool fewshot = false) const;
  // lm-eval's doc_to_target: an int, a string, or a list.
  Result<Doc> DocToTarget(const Doc& doc, bool fewshot = false) const;
  // lm-eval's doc_to_choice: the list of choice strings.
  Result<std::vector<std::string>> DocToChoice(const Doc& doc, bool fewshot = false) const;
  // The target as text (the choice it indexes, or the first of a list), for few-shot examples
  // and generation golds.
  Result<std::string> TargetText(const Doc& doc, bool fewshot = false) const;

  // lm-eval's fewshot_context before rendering: a system message (system_instruction and the
  // description, joined by the few-shot delimiter), a user/assistant pair per few-shot example,
  // the document's question, and an assistant message holding its gen_prefix if the task has
  // one (build_qa_turn). `fewshot_docs` is the few-shot split; `rnd` is the task's sampler RNG
  // (Python's random.Random(1234) by default), advanced by this call exactly as lm-eval's
  // sampler advances it.
  Result<std::vector<PromptMessage>> PromptMessages(
      const Doc& doc, int num_fewshot, const std::vector<Doc>& fewshot_docs, PyRandom* rnd,
      const std::string& system_instruction = "") const;
  // lm-eval's fewshot_context in full: one message list, or for a multiple-input document
  // (MultipleInput) one per choice, as multiple_input_context builds them: the shared system and
  // few-shot turns (a few-shot example's question is its gold choice), then the choice as the
  // question with no target delimiter. PromptMessages refuses multiple-input documents.
  Result<std::vector<std::vector<PromptMessage>>> PromptContexts(
      const Doc& doc, int num_fewshot, const std::vector<Doc>& fewshot_docs, PyRandom* rnd,
      const std::string& system_instruction = "") const;
  // lm-eval's multiple_input (WinoGrande): doc_to_text gives an int (the gold choice's index)
  // and the task has doc_to_choice (the contexts); doc_to_target is the shared continuation.
  // lm-eval decides it on the first evaluated document, mnemo per document.
  bool MultipleInput(const Doc& doc) const;
  // lm-eval's process_docs on a split's documents (every split, few-shot too), through the
  // task's built-in hook; unchanged when it has none.
  Result<std::vector<Doc>> ProcessDocs(std::vector<Doc> docs) const;
  // The plain-text prompt: MessagesToText(PromptMessages(...)).
  Result<std::string> FewshotContext(const Doc& doc, int num_fewshot,
                                     const std::vector<Doc>& fewshot_docs, PyRandom* rnd) const;
  // The task's filter_list as filter chains (lm-eval's build_filter_ensemble; {"none": []}
  // when absent); an error names the file and key. Create checks it, so a filter the task
  // cannot run is refused when the task loads, before any model or request.
  Result<std::vector<FilterChain>> FilterChains() const;

  // lm-eval's doc_to_prefix: the document's gen_prefix ("" = none).
  Result<std::string> GenPrefix(const Doc& doc, bool fewshot = false) const;

  // Built-in hook: lm-eval's preprocess_wikitext.wikitext_detokenizer (hooks::WikitextDetokenize).
  static std::string WikitextDetokenize(const std::string& page);

 private:
  explicit Task(TaskConfig config) : config_(std::move(config)) {}
  struct Field {
    nlohmann::json spec;                  // as in the config
    std::optional<jinja::Template> tmpl;  // when spec is a template string
  };
  Status Compile(const nlohmann::json& spec, const std::string& key, Field* out);
  Result<Doc> Apply(const Field& f, const Doc& doc, const char* what) const;

  TaskConfig config_;
  Field text_, target_, choice_, fs_text_, fs_target_, fs_choice_, prefix_, fs_prefix_;
  std::optional<jinja::Template> description_;
};

// Parses a Python literal list of strings or numbers ("['a', \"b\"]"), as lm-eval's
// ast.literal_eval does for rendered doc_to_choice templates.
Result<nlohmann::json> ParsePythonLiteral(const std::string& text);

}  // namespace mnemo

#endif  // MNEMO_TASKS_EVAL_TASK_H_
