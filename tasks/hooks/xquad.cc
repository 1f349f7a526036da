// lm-eval's lm_eval/tasks/xquad/utils.py (commit 4e7e0d47): process_results_qa, the one function
// the module defines and the one its YAMLs name (xquad_common_yaml's process_results). It scores
// the response against the first reference, doc["answers"]["text"][0], with transformers'
// squad_metrics.compute_exact and compute_f1 (transformers/data/metrics/squad_metrics.py):
//   normalize_answer: lower() (Python's full Unicode mapping), delete ASCII string.punctuation
//   (only), replace the words a/an/the (Unicode \b: words are runs of isalnum() or '_') by a
//   space, collapse whitespace; that is tasks/metrics/generation.h's SquadNormalize, reused.
//   exact_match: the normalised strings are equal (0 or 1).
//   f1: token F1 of the whitespace-split normalised strings (counts of shared tokens), which is
//   SquadTokenF1, EXCEPT when either side has no token: then 1 if both have none, else 0
//   (SquadTokenF1, the SQuAD v1.1 script's rule, gives 0 there).
// So Arabic, Hindi, Thai keep their own punctuation and letters (only ASCII punctuation goes), and
// Chinese text without spaces is one token: "17秒" and "17 秒" share nothing.
//
// Differences from lm-eval: more than one response text (a filter that kept a list) is refused,
// where lm-eval's compute_f1 would fail on the list; a document without a string
// answers.text[0] is an error naming it.
#include <map>
#include <string>

#include "tasks/hooks/builtins.h"
#include "tasks/metrics/generation.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace hooks {

namespace {

Result<std::map<std::string, double>> ProcessResultsQa(const Doc& doc, const DocResults& results) {
  const char* hook = "xquad utils.process_results_qa";
  if (results.texts.size() != 1)
    return Status::InvalidArgument(std::string(hook) + ": needs one response text, got " +
                                   std::to_string(results.texts.size()));
  const Doc* answers = doc.contains("answers") ? &doc["answers"] : nullptr;
  if (answers == nullptr || !answers->is_object() || !answers->contains("text") ||
      !(*answers)["text"].is_array() || (*answers)["text"].empty() ||
      !(*answers)["text"][0].is_string())
    return Status::InvalidArgument(std::string(hook) +
                                   ": the document needs a string answers['text'][0]");
  const std::string& reference = (*answers)["text"][0].get_ref<const std::string&>();
  const std::string& pred = results.texts[0];
  const std::string gold_norm = SquadNormalize(reference), pred_norm = SquadNormalize(pred);
  const double exact = gold_norm == pred_norm ? 1.0 : 0.0;
  // compute_f1's no-answer rule; otherwise the shared token F1.
  const bool gold_empty = pystr::Split(gold_norm).empty(),
             pred_empty = pystr::Split(pred_norm).empty();
  const double f1 = gold_empty || pred_empty ? (gold_empty && pred_empty ? 1.0 : 0.0)
                                             : SquadTokenF1(pred, reference);
  return std::map<std::string, double>{{"f1", f1}, {"exact_match", exact}};
}

}  // namespace

std::vector<BuiltinHook> XquadHooks() {
  BuiltinHook h;
  h.id = "xquad/utils.process_results_qa";
  h.module = "utils";
  h.function = "process_results_qa";
  h.kind = HookKind::kProcessResults;
  h.module_sha256 = {"b6f164533e6f05a76831a279ef89d392c2459bad77b43c9e2fe14318e4a79ab2"};
  h.origin = "lm_eval/tasks/xquad/utils.py at 4e7e0d47";
  h.results_fn = ProcessResultsQa;
  h.gives = {"exact_match", "f1"};
  return {std::move(h)};
}

}  // namespace hooks
}  // namespace mnemo
