#include "tasks/eval/task.h"

#include <cctype>
#include <functional>
#include <string_view>

#include "tasks/hooks/hook_registry.h"
#include "tasks/jinja/py_string_literal.h"

namespace mnemo {

namespace {

bool IsDigits(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!std::isdigit(c)) return false;
  return true;
}

// Whether text[i] starts a prefixed string literal: u'..', r'..' (either case).
bool StringPrefix(const std::string& text, size_t i) {
  return i + 1 < text.size() && std::string_view("uUrR").find(text[i]) != std::string_view::npos &&
         (text[i + 1] == '\'' || text[i + 1] == '"');
}

}  // namespace

Result<nlohmann::json> ParsePythonLiteral(const std::string& text) {
  // A small parser for lists of string/number literals, as rendered by Python's repr.
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("cannot read '" + text + "' as a Python literal: " + why);
  };
  std::function<Result<nlohmann::json>()> value = [&]() -> Result<nlohmann::json> {
    skip();
    if (i >= text.size()) return fail("unexpected end");
    char c = text[i];
    if (c == '[' || c == '(') {
      char close = c == '[' ? ']' : ')';
      ++i;
      nlohmann::json arr = nlohmann::json::array();
      skip();
      if (i < text.size() && text[i] == close) {
        ++i;
        return arr;
      }
      for (;;) {
        auto v = value();
        if (!v.ok()) return v;
        arr.push_back(std::move(v).value());
        skip();
        if (i < text.size() && text[i] == ',') {
          ++i;
          skip();
          if (i < text.size() && text[i] == close) {
            ++i;
            return arr;
          }
          continue;
        }
        if (i < text.size() && text[i] == close) {
          ++i;
          return arr;
        }
        return fail("expected ',' or '" + std::string(1, close) + "'");
      }
    }
    if (c == '\'' || c == '"' || StringPrefix(text, i)) {
      // Adjacent literals concatenate ('a' 'b' is 'ab'), as in Python source.
      std::string s;
      do {
        const bool raw = text[i] == 'r' || text[i] == 'R';
        if (text[i] != '\'' && text[i] != '"') ++i;  // the prefix
        const char quote = text[i++];
        size_t error_at = 0;
        Status read = jinja::py::ReadStringLiteralBody(text, quote, raw, &i, &s, &error_at);
        if (!read.ok()) return fail(read.message() + " at offset " + std::to_string(error_at));
        ++i;  // the closing quote
        skip();
      } while (i < text.size() && (text[i] == '\'' || text[i] == '"' || StringPrefix(text, i)));
      return nlohmann::json(s);
    }
    size_t start = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) ||
                               text[i] == '.' || text[i] == '-' || text[i] == '+'))
      ++i;
    std::string tok = text.substr(start, i - start);
    if (tok == "True") return nlohmann::json(true);
    if (tok == "False") return nlohmann::json(false);
    if (tok == "None") return nlohmann::json(nullptr);
    if (tok.empty()) return fail("unexpected character '" + std::string(1, c) + "'");
    char* end = nullptr;
    long long iv = std::strtoll(tok.c_str(), &end, 10);
    if (*end == '\0') return nlohmann::json(iv);
    double dv = std::strtod(tok.c_str(), &end);
    if (*end == '\0') return nlohmann::json(dv);
    return fail("'" + tok + "' is not a literal");
  };
  auto v = value();
  if (!v.ok()) return v;
  skip();
  if (i != text.size()) return fail("trailing text");
  return v;
}

std::string Task::WikitextDetokenize(const std::string& page) {
  return hooks::WikitextDetokenize(page);
}

Status Task::Compile(const nlohmann::json& spec, const std::string& key, Field* out) {
  out->spec = spec;
  out->tmpl.reset();
  if (spec.is_string()) {
    const std::string& s = spec.get<std::string>();
    if (s.rfind("!builtin:", 0) == 0) return Status::Ok();
    auto t = jinja::Template::Parse(s);
    if (!t.ok()) {
      return Status::InvalidArgument(config_.source_path + ": key '" + key +
                                     "': " + t.status().message());
    }
    out->tmpl = std::move(t).value();
  }
  return Status::Ok();
}

Result<std::vector<FilterChain>> Task::FilterChains() const {
  auto chains = ParseFilterList(
      config_.raw.contains("filter_list") ? config_.raw["filter_list"] : nlohmann::json(),
      hooks::HookFilters());
  if (!chains.ok())
    return Status::InvalidArgument(config_.source_path +
                                   ": key 'filter_list': " + chains.status().message());
  return chains;
}

Result<std::unique_ptr<Task>> Task::Create(TaskConfig config) {
  std::unique_ptr<Task> t(new Task(std::move(config)));
  const TaskConfig& c = t->config_;
  MNEMO_RETURN_IF_ERROR(t->Compile(c.doc_to_text, "doc_to_text", &t->text_));
  MNEMO_RETURN_IF_ERROR(t->Compile(c.doc_to_target, "doc_to_target", &t->target_));
  MNEMO_RETURN_IF_ERROR(t->Compile(c.doc_to_choice, "doc_to_choice", &t->choice_));
  // Few-shot fields inherit the task's unless fewshot_config overrides them (lm-eval's
  // FewshotConfig.from_dict).
  MNEMO_RETURN_IF_ERROR(
      t->Compile(c.fewshot_doc_to_text.is_null() ? c.doc_to_text : c.fewshot_doc_to_text,
                 "fewshot_config.doc_to_text", &t->fs_text_));
  MNEMO_RETURN_IF_ERROR(
      t->Compile(c.fewshot_doc_to_target.is_null() ? c.doc_to_target : c.fewshot_doc_to_target,
                 "fewshot_config.doc_to_target", &t->fs_target_));
  MNEMO_RETURN_IF_ERROR(
      t->Compile(c.fewshot_doc_to_choice.is_null() ? c.doc_to_choice : c.fewshot_doc_to_choice,
                 "fewshot_config.doc_to_choice", &t->fs_choice_));
  if (!c.gen_prefix.empty())
    MNEMO_RETURN_IF_ERROR(t->Compile(c.gen_prefix, "gen_prefix", &t->prefix_));
  if (!c.fewshot_gen_prefix.empty())
    MNEMO_RETURN_IF_ERROR(
        t->Compile(c.fewshot_gen_prefix, "fewshot_config.gen_prefix", &t->fs_prefix_));
  if (!c.description.empty()) {
    auto d = jinja::Template::Parse(c.description);
    if (!d.ok())
      return Status::InvalidArgument(c.source_path +
                                     ": key 'description': " + d.status().message());
    t->description_ = std::move(d).value();
  }
  if (auto chains = t->FilterChains(); !chains.ok()) return chains.status();
  return t;
}

Result<Doc> Task::Apply(const Field& f, const Doc& doc, const char* what) const {
  const nlohmann::json& spec = f.spec;
  if (spec.is_null()) {
    return Status::InvalidArgument(config_.source_path + ": task '" + config_.task + "' has no " +
                                   what);
  }
  if (spec.is_number_integer() || spec.is_array()) return Doc(spec);
  if (spec.is_object()) {
    Doc vals = Doc::array();
    for (auto it = spec.begin(); it != spec.end(); ++it) vals.push_back(Doc(it.value()));
    return vals;
  }
  const std::string& s = spec.get<std::string>();
  if (s.rfind("!builtin:", 0) == 0) {  // a built-in hook (tasks/hooks), resolved at load
    const hooks::BuiltinHook* h = hooks::FindBuiltin(s.substr(9));
    if (h == nullptr || !h->doc_fn)
      return Status::Internal(std::string(what) + ": '" + s.substr(9) + "' is no document hook");
    auto v = h->doc_fn(doc);
    if (!v.ok()) return Status(v.status().code(), std::string(what) + ": " + v.status().message());
    return v;
  }
  if (doc.is_object() && doc.contains(s)) return doc[s];  // a feature name
  if (!f.tmpl) return Status::Internal(std::string(what) + " template was not compiled");
  // lm-eval renders text and target templates to strings (utils.apply_template) and then
  // applies its string rules; only doc_to_choice reads the value as a Python literal.
  if (&f == &choice_ || &f == &fs_choice_) return f.tmpl->Evaluate(doc);
  auto text = f.tmpl->Render(doc);
  if (!text.ok()) return text.status();
  return Doc(std::move(text).value());
}

Result<Doc> Task::DocToText(const Doc& doc, bool fewshot) const {
  auto v = Apply(fewshot ? fs_text_ : text_, doc, "doc_to_text");
  if (!v.ok()) return v;
  Doc out = std::move(v).value();
  const Field& f = fewshot ? fs_text_ : text_;
  bool templated =
      f.tmpl.has_value() && !(doc.is_object() && doc.contains(f.spec.get<std::string>()));
  if (out.is_string()) {
    std::string s = out.get<std::string>();
    if (templated && IsDigits(s) && !config_.doc_to_choice.is_null()) return Doc(std::stoll(s));
    return out;
  }
  if (out.is_number_integer()) return out;
  if (out.is_null()) return Doc("None");
  return Doc(out.is_string() ? out.get<std::string>() : out.dump());
}

Result<Doc> Task::DocToTarget(const Doc& doc, bool fewshot) const {
  const Field& f = fewshot ? fs_target_ : target_;
  auto v = Apply(f, doc, "doc_to_target");
  if (!v.ok()) return v;
  Doc out = std::move(v).value();
  // A rendered template (not a direct feature) follows lm-eval's string post-processing.
  bool templated =
      f.tmpl.has_value() && !(doc.is_object() && doc.contains(f.spec.get<std::string>()));
  if (out.is_string() && templated) {
    std::string s = out.get<std::string>();
    if (IsDigits(s) && !config_.doc_to_choice.is_null()) return Doc(std::stoll(s));
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
      auto lit = ParsePythonLiteral(s);
      if (lit.ok()) return Doc(*lit);
    }
  }
  return out;
}

Result<std::vector<std::string>> Task::DocToChoice(const Doc& doc, bool fewshot) const {
  auto v = Apply(fewshot ? fs_choice_ : choice_, doc, "doc_to_choice");
  if (!v.ok()) return v.status();
  Doc out = std::move(v).value();
  if (out.is_string()) {
    auto lit = ParsePythonLiteral(out.get<std::string>());
    if (!lit.ok()) return lit.status();
    out = std::move(lit).value();
  }
  if (!out.is_array()) {
    return Status::InvalidArgument(config_.source_path + ": doc_to_choice of task '" +
                                   config_.task + "' did not give a list");
  }
  std::vector<std::string> choices;
  for (const auto& c : out) choices.push_back(c.is_string() ? c.get<std::string>() : c.dump());
  return choices;
}

Result<std::string> Task::TargetText(const Doc& doc, bool fewshot) const {
  auto a = DocToTarget(doc, fewshot);
  if (!a.ok()) return a.status();
  if (a->is_number_integer() && !config_.doc_to_choice.is_null()) {
    auto c = DocToChoice(doc, fewshot);
    if (!c.ok()) return c.status();
    int64_t i = a->get<int64_t>();
    if (i < 0 || i >= static_cast<int64_t>(c->size())) {
      return Status::InvalidArgument("target index " + std::to_string(i) + " is outside the " +
                                     std::to_string(c->size()) + " choices");
    }
    return (*c)[static_cast<size_t>(i)];
  }
  if (a->is_array()) {
    if (a->empty()) return std::string();
    const auto& first = (*a)[0];
    return first.is_string() ? first.get<std::string>() : first.dump();
  }
  return a->is_string() ? a->get<std::string>() : a->dump();
}

Result<std::string> Task::GenPrefix(const Doc& doc, bool fewshot) const {
  const Field& f = fewshot ? fs_prefix_ : prefix_;
  if (f.spec.is_null()) return std::string();
  auto v = Apply(f, doc, fewshot ? "fewshot_config.gen_prefix" : "gen_prefix");
  if (!v.ok()) return v.status();
  return v->is_string() ? v->get<std::string>() : v->dump();
}

Result<std::vector<std::vector<PromptMessage>>> Task::PromptContexts(
    const Doc& doc, int num_fewshot, const std::vector<Doc>& fewshot_docs, PyRandom* rnd,
    const std::string& system_instruction) const {
  std::vector<PromptMessage> out;
  std::string description;
  if (description_) {
    auto d = description_->Render(doc);
    if (!d.ok()) return d.status();
    description = std::move(d).value();
  }
  std::string system = MaybeDelimit(system_instruction, description, config_.fewshot_delimiter);
  if (!system.empty()) out.push_back({"system", std::move(system), ""});
  // lm-eval's build_qa_turn: the question, then the answer (with the gen_prefix before it) or
  // the gen_prefix alone.
  auto qa_turn = [](std::vector<PromptMessage>* to, const std::string& q,
                    const std::optional<std::string>& answer, const std::string& gen_prefix,
                    const std::string& tgt_delim, const std::string& few_delim) {
    const bool delimit = answer ? gen_prefix.empty() || RequiresDelimiter(q, gen_prefix)
                                : !gen_prefix.empty() && RequiresDelimiter(q, gen_prefix);
    to->push_back({"user", q, delimit ? tgt_delim : ""});
    if (answer)
      to->push_back({"assistant", MaybeDelimit(gen_prefix, *answer, " "), few_delim});
    else if (!gen_prefix.empty())
      to->push_back({"assistant", gen_prefix, ""});
  };
  // A choice index as doc_to_text gives it for a multiple-input document: the choice it names.
  auto indexed_choice = [this](const Doc& d, int64_t i, bool fewshot) -> Result<std::string> {
    auto c = DocToChoice(d, fewshot);
    if (!c.ok()) return c.status();
    if (i < 0 || i >= static_cast<int64_t>(c->size()))
      return Status::InvalidArgument("doc_to_text index " + std::to_string(i) + " is outside the " +
                                     std::to_string(c->size()) + " choices");
    return (*c)[static_cast<size_t>(i)];
  };
  if (num_fewshot > 0) {
    const size_t n = static_cast<size_t>(num_fewshot);
    std::vector<const Doc*> chosen;
    // lm-eval passes the evaluated document to its sampler (to exclude it) only when the
    // configured few-shot split is the test split; a task naming no few-shot split samples
    // exactly n and may draw the evaluated document itself.
    bool same_split = !config_.fewshot_split.empty() && config_.fewshot_split == config_.test_split;
    if (config_.fewshot_sampler == "first_n") {
      // lm-eval's FirstNSampler takes the first n of the pool without the evaluated document.
      for (size_t i = 0; i < fewshot_docs.size() && chosen.size() < n; ++i)
        if (!(same_split && fewshot_docs[i] == doc)) chosen.push_back(&fewshot_docs[i]);
      if (chosen.size() < n) {
        return Status::InvalidArgument("task '" + config_.task + "' asks for " + std::to_string(n) +
                                       " few-shot examples; the few-shot split has " +
                                       std::to_string(fewshot_docs.size()));
      }
    } else {
      size_t draw = same_split ? n + 1 : n;
      if (draw > fewshot_docs.size()) {
        return Status::InvalidArgument("task '" + config_.task + "' asks for " + std::to_string(n) +
                                       " few-shot examples; the few-shot split has " +
                                       std::to_string(fewshot_docs.size()));
      }
      auto idx = rnd->SampleIndices(fewshot_docs.size(), draw);
      if (!idx.ok()) return idx.status();
      for (size_t i : *idx) {
        if (same_split && fewshot_docs[i] == doc) continue;
        if (chosen.size() < n) chosen.push_back(&fewshot_docs[i]);
      }
    }
    const std::string& tgt_delim =
        config_.fewshot_target_delimiter.value_or(config_.target_delimiter);
    const std::string& few_delim =
        config_.fewshot_fewshot_delimiter.value_or(config_.fewshot_delimiter);
    for (const Doc* fs : chosen) {
      auto q = DocToText(*fs, true);
      if (!q.ok()) return q.status();
      std::string qtext;
      if (q->is_number_integer()) {  // multiple input: the gold choice is the question
        auto c = indexed_choice(*fs, q->get<int64_t>(), true);
        if (!c.ok()) return c.status();
        qtext = std::move(c).value();
      } else {
        qtext = q->get<std::string>();
      }
      auto a = DocToTarget(*fs, true);
      if (!a.ok()) return a.status();
      bool has_answer = !a->is_null() && !(a->is_string() && a->get<std::string>().empty());
      std::optional<std::string> answer;
      if (has_answer) {
        auto at = TargetText(*fs, true);
        if (!at.ok()) return at.status();
        answer = std::move(at).value();
      }
      auto prefix = GenPrefix(*fs, true);
      if (!prefix.ok()) return prefix.status();
      qa_turn(&out, qtext, answer, *prefix, tgt_delim, few_delim);
    }
  }
  auto q = DocToText(doc, false);
  if (!q.ok()) return q.status();
  auto prefix = GenPrefix(doc);
  if (!prefix.ok()) return prefix.status();
  if (q->is_number_integer()) {
    // lm-eval's multiple_input_context: the shared turns, then each choice as the question,
    // with no target delimiter (the continuation carries it).
    if (config_.doc_to_choice.is_null())
      return Status::InvalidArgument("task '" + config_.task +
                                     "': doc_to_text gives a choice index but the task has no "
                                     "doc_to_choice");
    auto choices = DocToChoice(doc);
    if (!choices.ok()) return choices.status();
    std::vector<std::vector<PromptMessage>> contexts;
    for (const auto& c : *choices) {
      contexts.push_back(out);
      qa_turn(&contexts.back(), c, std::nullopt, *prefix, "", "");
    }
    return contexts;
  }
  qa_turn(&out, q->get<std::string>(), std::nullopt, *prefix, config_.target_delimiter, "");
  return std::vector<std::vector<PromptMessage>>{std::move(out)};
}

Result<std::vector<PromptMessage>> Task::PromptMessages(
    const Doc& doc, int num_fewshot, const std::vector<Doc>& fewshot_docs, PyRandom* rnd,
    const std::string& system_instruction) const {
  auto contexts = PromptContexts(doc, num_fewshot, fewshot_docs, rnd, system_instruction);
  if (!contexts.ok()) return contexts.status();
  if (MultipleInput(doc))
    return Status::InvalidArgument("task '" + config_.task +
                                   "' is a multiple-input task (doc_to_text gives a choice "
                                   "index): it has one prompt per choice (PromptContexts)");
  return std::move(contexts->front());
}

bool Task::MultipleInput(const Doc& doc) const {
  if (config_.doc_to_choice.is_null()) return false;
  auto q = DocToText(doc, false);
  return q.ok() && q->is_number_integer();
}

Result<std::vector<Doc>> Task::ProcessDocs(std::vector<Doc> docs) const {
  if (config_.process_docs.empty()) return docs;
  const hooks::BuiltinHook* h = hooks::FindBuiltin(config_.process_docs);
  if (h == nullptr || !h->docs_fn)
    return Status::Internal(config_.source_path + ": process_docs '" + config_.process_docs +
                            "' is no process_docs hook");
  auto out = h->docs_fn(std::move(docs));
  if (!out.ok())
    return Status(out.status().code(), config_.source_path + ": task '" + config_.task +
                                           "': process_docs: " + out.status().message());
  return out;
}

Result<std::string> Task::FewshotContext(const Doc& doc, int num_fewshot,
                                         const std::vector<Doc>& fewshot_docs,
                                         PyRandom* rnd) const {
  auto m = PromptMessages(doc, num_fewshot, fewshot_docs, rnd);
  if (!m.ok()) return m.status();
  return MessagesToText(*m);
}

}  // namespace mnemo
