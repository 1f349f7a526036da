// lm-eval's lm_eval/tasks/hellaswag/utils.py (commit 4e7e0d47): process_docs.
#include <string>

#include "tasks/hooks/builtins.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace hooks {

namespace {

// re.sub("\\[.*?\\]", "", s): from each '[', the shortest run to a ']' without a newline (`.`
// matches no '\n'); a '[' with a newline before the next ']' is kept and the scan goes on after
// it.
std::string DropBracketed(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '[') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != ']' && s[j] != '\n') ++j;
      if (j < s.size() && s[j] == ']') {
        i = j + 1;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

// int(doc["label"]) for a string or an integer label.
Result<int64_t> Label(const Doc& doc) {
  if (doc.contains("label") && doc["label"].is_number_integer()) return doc["label"].get<int64_t>();
  auto s = StringField(doc, "label", "hellaswag utils.process_docs");
  if (!s.ok()) return s.status();
  std::string t = PyStrip(*s);
  size_t digits = t.size() > 0 && (t[0] == '-' || t[0] == '+') ? 1 : 0;
  bool ok = digits < t.size();
  for (size_t k = digits; k < t.size(); ++k) ok = ok && t[k] >= '0' && t[k] <= '9';
  if (!ok)
    return Status::InvalidArgument("hellaswag utils.process_docs: int(doc['label']) fails for '" +
                                   *s + "' (an unlabelled split?)");
  return static_cast<int64_t>(std::stoll(t));
}

Result<Doc> ProcessDoc(const Doc& doc) {
  const char* hook = "hellaswag utils.process_docs";
  auto ctx_a = StringField(doc, "ctx_a", hook);
  if (!ctx_a.ok()) return ctx_a.status();
  auto ctx_b = StringField(doc, "ctx_b", hook);
  if (!ctx_b.ok()) return ctx_b.status();
  auto activity = StringField(doc, "activity_label", hook);
  if (!activity.ok()) return activity.status();
  if (!doc.contains("endings") || !doc["endings"].is_array())
    return Status::InvalidArgument(std::string(hook) + ": the document has no list 'endings'");
  const std::string ctx = *ctx_a + " " + pystr::Capitalize(*ctx_b);
  Doc choices = Doc::array();
  for (const auto& e : doc["endings"]) {
    if (!e.is_string())
      return Status::InvalidArgument(std::string(hook) + ": 'endings' must hold strings");
    choices.push_back(HellaswagPreprocess(e.get<std::string>()));
  }
  auto gold = Label(doc);
  if (!gold.ok()) return gold.status();
  return Doc{{"query", HellaswagPreprocess(*activity + ": " + ctx)},
             {"choices", std::move(choices)},
             {"gold", *gold}};
}

}  // namespace

std::string HellaswagPreprocess(const std::string& text) {
  std::string s = PyStrip(text);
  // NOTE (lm-eval's): brackets are artifacts of the WikiHow part of HellaSwag.
  s = pystr::Replace(s, " [title]", ". ");
  s = DropBracketed(s);
  return pystr::Replace(s, "  ", " ");
}

std::vector<BuiltinHook> HellaswagHooks() {
  BuiltinHook h;
  h.id = "hellaswag/utils.process_docs";
  h.module = "utils";
  h.function = "process_docs";
  h.kind = HookKind::kProcessDocs;
  h.module_sha256 = {"07d23b60b28f2a4f658dcf8440623a63fe6644854ce9b846a114dde980dc1214"};
  h.origin = "lm_eval/tasks/hellaswag/utils.py at 4e7e0d47";
  h.docs_fn = [](std::vector<Doc> docs) { return MapDocs(std::move(docs), ProcessDoc); };
  return {std::move(h)};
}

}  // namespace hooks
}  // namespace mnemo
