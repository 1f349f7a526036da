// lm-eval's GPQA process_docs (lm_eval/tasks/gpqa/*/utils.py, commit 4e7e0d47): each document's
// four answers, preprocessed, shuffled, stored as choice1..choice4 (plus `choices` in the
// generative folders) and the gold letter as "(A)".."(D)".
//
// Three module files, one built-in each:
//   n_shot/utils.py                               shuffles with a module-level random.Random(42)
//   zeroshot/utils.py                             shuffles with the module-level `random`
//   cot_n_shot, cot_zeroshot, generative/utils.py (byte-identical) as zeroshot, plus `choices`
// The module-level `random` is the one lm-eval's simple_evaluate seeds with random.seed(
// random_seed), 0 by default, before any task loads; so both draw from the Python generator
// seeded 42 or 0, three _randbelow draws (4, 3, 2 outcomes) per document, in document order.
//
// What differs from lm-eval, and why: every call starts from the seed, so each split (and the
// few-shot split, which is the evaluation split `train` here) gets the shuffle of the first
// process_docs call of a fresh lm-eval process. lm-eval's generator goes on from call to call (it
// calls process_docs on `train` for the few-shot docs, then for the evaluation docs, then each
// time eval_docs is read), but Hugging Face datasets caches each `map` result under a fingerprint
// of the function and the globals it uses (n_shot's Random(42) with its state, the `random`
// module by name): once the cache holds the first call's result, lm-eval's calls return it
// without drawing, and that is the shuffle mnemo reproduces. On a cold cache lm-eval's evaluation
// docs come from a later draw, and its own first and second runs differ. lm-eval's --seed other
// than 0 (or other draws from `random` before the task loads) changes the zeroshot/CoT shuffle;
// mnemo's hooks take no seed and keep lm-eval's default 0.
#include <string>
#include <vector>

#include "tasks/hooks/builtins.h"
#include "tasks/python/py_text.h"
#include "tasks/python/pyrandom.h"

namespace mnemo {
namespace hooks {

namespace {

const char* kOrigin = "lm_eval/tasks/gpqa/%s/utils.py at 4e7e0d47";

// utils.preprocess(doc[field]): None -> " "; else strip, " [title]" -> ". ", "  " -> " ". A
// missing field is lm-eval's KeyError; a non-string its AttributeError on .strip().
Result<std::string> Answer(const Doc& doc, const char* field) {
  if (!doc.is_object() || !doc.contains(field))
    return Status::InvalidArgument(std::string("gpqa utils.process_docs: the document has no '") +
                                   field + "'");
  const Doc& v = doc[field];
  if (v.is_null()) return std::string(" ");
  if (!v.is_string())
    return Status::InvalidArgument(std::string("gpqa utils.process_docs: '") + field +
                                   "' is neither a string nor null");
  return pystr::Replace(pystr::Replace(PyStrip(v.get<std::string>()), " [title]", ". "), "  ", " ");
}

Result<Doc> ProcessDoc(const Doc& doc, PyRandom* rng, bool with_list) {
  std::vector<std::string> choices;
  for (const char* field :
       {"Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3", "Correct Answer"}) {
    auto a = Answer(doc, field);
    if (!a.ok()) return a.status();
    choices.push_back(std::move(a).value());
  }
  const std::string correct = choices[3];
  rng->Shuffle(choices);
  // choices.index(...): the first equal answer, should an incorrect one equal the correct one.
  size_t gold = 0;
  while (choices[gold] != correct) ++gold;
  Doc out = {{"choice1", choices[0]},
             {"choice2", choices[1]},
             {"choice3", choices[2]},
             {"choice4", choices[3]}};
  if (with_list) out["choices"] = choices;
  out["answer"] = std::string("(") + static_cast<char>('A' + gold) + ")";
  return out;
}

BuiltinHook Make(const char* id, const char* folders, const char* sha, int64_t seed,
                 bool with_list) {
  BuiltinHook h;
  h.id = id;
  h.module = "utils";
  h.function = "process_docs";
  h.kind = HookKind::kProcessDocs;
  h.module_sha256 = {sha};
  std::string origin = kOrigin;
  h.origin = origin.replace(origin.find("%s"), 2, folders);
  h.docs_fn = [seed, with_list](std::vector<Doc> docs) {
    PyRandom rng(seed);
    return MapDocs(std::move(docs),
                   [&rng, with_list](const Doc& doc) { return ProcessDoc(doc, &rng, with_list); });
  };
  return h;
}

}  // namespace

std::vector<BuiltinHook> GpqaHooks() {
  return {Make("gpqa/n_shot/utils.process_docs", "n_shot",
               "8c70526cdc0f32811cd4cd35db6983561583980b4b7552c3484dc6846b41e241", 42, false),
          Make("gpqa/zeroshot/utils.process_docs", "zeroshot",
               "7c755f2c3f8f4ac20de96fb68941c43424d2ded0552d5ab81e672e15c410655c", 0, false),
          Make("gpqa/cot/utils.process_docs", "{cot_n_shot,cot_zeroshot,generative}",
               "b603828710f1fb3e1b8fe42726b188544ef8dbd12d25f4ca676e42ca4d1a251b", 0, true)};
}

}  // namespace hooks
}  // namespace mnemo
