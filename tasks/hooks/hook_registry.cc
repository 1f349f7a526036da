#include "tasks/hooks/hook_registry.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/core/sha256.h"
#include "tasks/hooks/builtins.h"
#include "tasks/python/py_text.h"

namespace mnemo {
namespace hooks {

namespace fs = std::filesystem;

const char* HookKindName(HookKind k) {
  switch (k) {
    case HookKind::kProcessDocs:
      return "process_docs";
    case HookKind::kDocToText:
      return "doc_to_text";
    case HookKind::kDocToTarget:
      return "doc_to_target";
    case HookKind::kDocToChoice:
      return "doc_to_choice";
    case HookKind::kProcessResults:
      return "process_results";
    case HookKind::kFilter:
      return "filter";
    case HookKind::kFewshotSamples:
      return "fewshot samples";
  }
  return "unknown";
}

const std::vector<BuiltinHook>& BuiltinHooks() {
  static const std::vector<BuiltinHook> all = [] {
    std::vector<BuiltinHook> v;
    for (auto* part :
         {&WikitextHooks, &HellaswagHooks, &WinograndeHooks, &GpqaHooks, &MmluProHooks,
          &GlobalMmluHooks, &MathHooks, &AgievalHooks, &BbhHooks, &DropHooks, &XquadHooks})
      for (auto& h : (*part)()) v.push_back(std::move(h));
    return v;
  }();
  return all;
}

const BuiltinHook* FindBuiltin(const std::string& id) {
  for (const auto& h : BuiltinHooks())
    if (h.id == id) return &h;
  return nullptr;
}

bool KindOfKey(const std::string& key, HookKind* kind) {
  std::string k = key.rfind("fewshot_config.", 0) == 0 ? key.substr(15) : key;
  static const std::string kStep = ".function";
  if (k.rfind("filter_list[", 0) == 0 && k.size() > kStep.size() &&
      k.compare(k.size() - kStep.size(), kStep.size(), kStep) == 0)
    *kind = HookKind::kFilter;
  else if (k == "process_docs")
    *kind = HookKind::kProcessDocs;
  else if (k == "doc_to_text")
    *kind = HookKind::kDocToText;
  else if (k == "doc_to_target")
    *kind = HookKind::kDocToTarget;
  else if (k == "doc_to_choice")
    *kind = HookKind::kDocToChoice;
  else if (k == "process_results")
    *kind = HookKind::kProcessResults;
  else if (key == "fewshot_config.samples")
    *kind = HookKind::kFewshotSamples;
  else
    return false;
  return true;
}

namespace {

Status Refuse(const std::string& yaml, const std::string& key, const std::string& what) {
  return Status::InvalidArgument(yaml + ": key '" + key + "': " + what);
}

// The hook must be of the key's kind; doc_to_decontamination_query takes any doc -> value hook.
Status CheckKind(const std::string& yaml, const std::string& key, const std::string& shown,
                 const BuiltinHook& h) {
  HookKind want;
  if (!KindOfKey(key, &want)) {
    if (key == "doc_to_decontamination_query" && h.doc_fn) return Status::Ok();
    return Refuse(yaml, key, "'" + shown + "' is a " + HookKindName(h.kind) + " hook");
  }
  if (want != h.kind)
    return Refuse(yaml, key,
                  "'" + shown + "' is a " + std::string(HookKindName(h.kind)) + " hook, not " +
                      HookKindName(want));
  return Status::Ok();
}

std::string KnownIds() {
  std::string s;
  for (const auto& h : BuiltinHooks()) s += (s.empty() ? "" : ", ") + h.id;
  return s;
}

}  // namespace

Result<const BuiltinHook*> ResolveFunction(const std::string& yaml_path, const std::string& key,
                                           const std::string& name) {
  const std::string shown = "!function " + name;
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size())
    return Refuse(yaml_path, key, "'" + shown + "' does not name MODULE.FUNCTION");
  const std::string module = name.substr(0, dot), function = name.substr(dot + 1);
  std::vector<const BuiltinHook*> named;
  for (const auto& h : BuiltinHooks())
    if (h.module == module && h.function == function) named.push_back(&h);
  if (named.empty())
    return Refuse(yaml_path, key,
                  "'" + shown + "' is a Python hook mnemo has no built-in for (built-ins: " +
                      KnownIds() + ")");
  // lm-eval imports <folder of the YAML>/<module>.py (utils.import_function).
  const std::string module_path =
      (fs::path(yaml_path).parent_path() / (module + ".py")).lexically_normal().string();
  std::ifstream in(module_path, std::ios::binary);
  if (!in)
    return Refuse(yaml_path, key,
                  "'" + shown + "': its module file '" + module_path +
                      "' is missing (mnemo checks the file lm-eval would import against its "
                      "built-ins)");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string sha = Sha256Hex(text.str());
  for (const BuiltinHook* h : named) {
    for (const auto& known : h->module_sha256) {
      if (known != sha) continue;
      MNEMO_RETURN_IF_ERROR(CheckKind(yaml_path, key, shown, *h));
      return h;
    }
  }
  std::string origins;
  for (const BuiltinHook* h : named) origins += (origins.empty() ? "" : "; ") + h->origin;
  return Refuse(yaml_path, key,
                "'" + shown + "': module file '" + module_path + "' (sha256 " + sha +
                    ") is not one mnemo's built-ins were written for (" + origins +
                    "); a changed hook is refused, not guessed");
}

Result<const BuiltinHook*> ResolveBuiltin(const std::string& yaml_path, const std::string& key,
                                          const std::string& id) {
  const BuiltinHook* h = FindBuiltin(id);
  if (h == nullptr)
    return Refuse(yaml_path, key,
                  "'!builtin " + id + "' is not a mnemo built-in (built-ins: " + KnownIds() + ")");
  MNEMO_RETURN_IF_ERROR(CheckKind(yaml_path, key, "!builtin " + id, *h));
  return h;
}

FilterFactory HookFilters() {
  return [](const std::string& function,
            const nlohmann::json& step) -> Result<std::shared_ptr<const Filter>> {
    if (function.rfind("!builtin:", 0) != 0)
      return Status::NotFound("'" + function + "' is no hook");
    const BuiltinHook* h = FindBuiltin(function.substr(9));
    if (h == nullptr || !h->filter_fn)
      return Status::InvalidArgument("'" + function.substr(9) + "' is no filter hook");
    nlohmann::json args = step;
    args.erase("function");
    return h->filter_fn(args);
  };
}

Result<std::vector<Doc>> MapDocs(std::vector<Doc> docs, const DocFn& f) {
  for (size_t i = 0; i < docs.size(); ++i) {
    auto add = f(docs[i]);
    if (!add.ok())
      return Status(add.status().code(),
                    "document " + std::to_string(i) + ": " + add.status().message());
    if (!add->is_object())
      return Status::Internal("document " + std::to_string(i) + ": the hook gave no mapping");
    if (!docs[i].is_object()) docs[i] = Doc::object();
    for (auto it = add->begin(); it != add->end(); ++it) docs[i][it.key()] = it.value();
  }
  return docs;
}

std::string PyStrip(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b) {
    char32_t c;
    size_t n = pystr::DecodeAt(s, a, &c);
    if (!pystr::IsSpace(c)) break;
    a += n;
  }
  while (b > a) {
    // Back to the start of the last code point (continuation bytes are 10xxxxxx).
    size_t start = b - 1;
    while (start > a && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    char32_t c;
    size_t n = pystr::DecodeAt(s, start, &c);
    if (start + n != b || !pystr::IsSpace(c)) break;
    b = start;
  }
  return std::string(s.substr(a, b - a));
}

Result<std::string> StringField(const Doc& doc, const char* field, const char* hook) {
  if (!doc.is_object() || !doc.contains(field) || !doc[field].is_string())
    return Status::InvalidArgument(std::string(hook) + ": the document has no string field '" +
                                   field + "'");
  return doc[field].get<std::string>();
}

}  // namespace hooks
}  // namespace mnemo
