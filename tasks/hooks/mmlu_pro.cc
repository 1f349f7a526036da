// lm-eval's lm_eval/tasks/mmlu_pro/utils.py (commit 4e7e0d47): the per-category process_docs
// (process_biology, ..., process_psychology: the rows whose `category` equals the subject, in
// order: Hugging Face's Dataset.filter), and the prompt functions doc_to_text and fewshot_to_text
// (both format_cot_example(..., including_answer=False)) and fewshot_to_target
// (format_cot_target).
//
// Kept as lm-eval has them: fewshot_to_text is the question prompt without the answer (ending in
// "Answer: Let's think step by step."), and fewshot_to_target is `cot_content` with
// "A: Let's think step by step. " removed, so a few-shot example reads as lm-eval's does.
// Nothing differs from lm-eval; a row lm-eval would fail on (a missing field, a non-string
// option) is an error naming the field.
#include <string>
#include <vector>

#include "tasks/hooks/builtins.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace hooks {

namespace {

const char* kSha = "d47eae06ecf1e9535b033394de62185327a1dca977cb29049003699adeb92801";
const char* kOrigin = "lm_eval/tasks/mmlu_pro/utils.py at 4e7e0d47";

// format_cot_example(example, including_answer=False).
Result<Doc> CotExample(const Doc& doc) {
  const char* hook = "mmlu_pro utils.format_cot_example";
  auto question = StringField(doc, "question", hook);
  if (!question.ok()) return question.status();
  if (!doc.contains("options") || !doc["options"].is_array())
    return Status::InvalidArgument(std::string(hook) + ": the document has no list 'options'");
  std::string prompt = "Question:\n" + *question + "\nOptions:\n";
  const auto& options = doc["options"];
  // choices = "A".."J": options past the tenth are left out.
  for (size_t i = 0; i < options.size() && i < 10; ++i) {
    if (!options[i].is_string())
      return Status::InvalidArgument(std::string(hook) + ": option " + std::to_string(i) +
                                     " is not a string");
    prompt += std::string(1, static_cast<char>('A' + i)) + ". " +
              PyStrip(options[i].get<std::string>()) + "\n";
  }
  return Doc(prompt + "Answer: Let's think step by step.");
}

// format_cot_target(example): cot_content without "A: Let's think step by step. ".
Result<Doc> CotTarget(const Doc& doc) {
  auto cot = StringField(doc, "cot_content", "mmlu_pro utils.format_cot_target");
  if (!cot.ok()) return cot.status();
  return Doc(pystr::Replace(*cot, "A: Let's think step by step. ", ""));
}

BuiltinHook Make(const std::string& function, HookKind kind) {
  BuiltinHook h;
  h.id = "mmlu_pro/utils." + function;
  h.module = "utils";
  h.function = function;
  h.kind = kind;
  h.module_sha256 = {kSha};
  h.origin = kOrigin;
  return h;
}

// dataset.filter(lambda x: x[field] == value): a row without the field is lm-eval's KeyError;
// a value of another type is unequal.
Result<std::vector<Doc>> FilterByField(std::vector<Doc> docs, const std::string& field,
                                       const std::string& value, const std::string& hook) {
  std::vector<Doc> out;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (!docs[i].is_object() || !docs[i].contains(field))
      return Status::InvalidArgument(hook + ": document " + std::to_string(i) + " has no '" +
                                     field + "'");
    const Doc& v = docs[i][field];
    if (v.is_string() && v.get<std::string>() == value) out.push_back(std::move(docs[i]));
  }
  return out;
}

}  // namespace

std::vector<BuiltinHook> MmluProHooks() {
  std::vector<BuiltinHook> v;
  v.push_back(Make("doc_to_text", HookKind::kDocToText));
  v.back().doc_fn = CotExample;
  v.push_back(Make("fewshot_to_text", HookKind::kDocToText));
  v.back().doc_fn = CotExample;
  v.push_back(Make("fewshot_to_target", HookKind::kDocToTarget));
  v.back().doc_fn = CotTarget;
  for (const char* subject :
       {"biology", "business", "chemistry", "computer science", "economics", "engineering",
        "health", "history", "law", "math", "other", "philosophy", "physics", "psychology"}) {
    // process_computer_science = partial(process_docs, subject="computer science").
    const std::string function = "process_" + pystr::Replace(subject, " ", "_");
    v.push_back(Make(function, HookKind::kProcessDocs));
    const std::string value = subject, hook = "mmlu_pro utils." + function;
    v.back().docs_fn = [value, hook](std::vector<Doc> docs) {
      return FilterByField(std::move(docs), "category", value, hook);
    };
  }
  return v;
}

}  // namespace hooks
}  // namespace mnemo
