// lm-eval's lm_eval/tasks/winogrande/preprocess_winogrande.py (commit 4e7e0d47): a multiple-input
// task. doc_to_text gives the gold option's index, doc_to_choice the sentence up to the blank
// filled with each option (the contexts), doc_to_target the rest of the sentence (the shared
// continuation).
#include <string>

#include "tasks/hooks/builtins.h"

namespace mnemo {
namespace hooks {

namespace {

const char* kSha = "e55327629264a98f1d383fda24645b6779afb53fa0bce2150042b9416b1ae006";
const char* kOrigin = "lm_eval/tasks/winogrande/preprocess_winogrande.py at 4e7e0d47";

// sentence.index("_"): '_' is ASCII, so its byte offset splits the UTF-8 text where Python's
// code-point index does.
Result<size_t> Blank(const std::string& sentence, const char* hook) {
  size_t idx = sentence.find('_');
  if (idx == std::string::npos)
    return Status::InvalidArgument(std::string(hook) + ": the sentence has no '_' ('" + sentence +
                                   "')");
  return idx;
}

Result<Doc> DocToText(const Doc& doc) {
  const char* hook = "preprocess_winogrande.doc_to_text";
  auto answer = StringField(doc, "answer", hook);
  if (!answer.ok()) return answer.status();
  // answer_to_num = {"1": 0, "2": 1}; anything else is a KeyError in lm-eval.
  if (*answer == "1") return Doc(0);
  if (*answer == "2") return Doc(1);
  return Status::InvalidArgument(std::string(hook) + ": answer '" + *answer +
                                 "' is neither \"1\" nor \"2\"");
}

Result<Doc> DocToTarget(const Doc& doc) {
  const char* hook = "preprocess_winogrande.doc_to_target";
  auto s = StringField(doc, "sentence", hook);
  if (!s.ok()) return s.status();
  auto idx = Blank(*s, hook);
  if (!idx.ok()) return idx.status();
  return Doc(PyStrip(std::string_view(*s).substr(*idx + 1)));
}

Result<Doc> DocToChoice(const Doc& doc) {
  const char* hook = "preprocess_winogrande.doc_to_choice";
  auto s = StringField(doc, "sentence", hook);
  if (!s.ok()) return s.status();
  auto idx = Blank(*s, hook);
  if (!idx.ok()) return idx.status();
  Doc out = Doc::array();
  for (const char* field : {"option1", "option2"}) {
    auto opt = StringField(doc, field, hook);
    if (!opt.ok()) return opt.status();
    out.push_back(s->substr(0, *idx) + *opt);
  }
  return out;
}

BuiltinHook Make(const char* function, HookKind kind, DocFn fn) {
  BuiltinHook h;
  h.id = std::string("preprocess_winogrande.") + function;
  h.module = "preprocess_winogrande";
  h.function = function;
  h.kind = kind;
  h.module_sha256 = {kSha};
  h.origin = kOrigin;
  h.doc_fn = std::move(fn);
  return h;
}

}  // namespace

std::vector<BuiltinHook> WinograndeHooks() {
  return {Make("doc_to_text", HookKind::kDocToText, DocToText),
          Make("doc_to_target", HookKind::kDocToTarget, DocToTarget),
          Make("doc_to_choice", HookKind::kDocToChoice, DocToChoice)};
}

}  // namespace hooks
}  // namespace mnemo
