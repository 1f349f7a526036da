#include "tasks/multiple_choice.h"

#include <filesystem>

#include "datasets/io/jsonl_reader.h"
#include "tasks/metrics.h"
#include "tasks/request_builder.h"

namespace mnemo {

size_t CodePointLength(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Result<McTaskSpec> McTaskSpec::FromJson(const nlohmann::json& j, const std::string& base_dir,
                                        const std::string& where) {
  McTaskSpec s;
  auto err = [&](const char* f, const std::string& what) {
    return Status::InvalidArgument(where + ": field '" + f + "' " + what);
  };
  auto get_string = [&](const char* f, std::string* out, bool required) -> Status {
    if (!j.contains(f)) return required ? err(f, "is missing") : Status::Ok();
    if (!j[f].is_string()) return err(f, "must be a string");
    *out = j[f].get<std::string>();
    return Status::Ok();
  };
  MNEMO_RETURN_IF_ERROR(get_string("name", &s.name, true));
  MNEMO_RETURN_IF_ERROR(get_string("dataset", &s.dataset, true));
  MNEMO_RETURN_IF_ERROR(get_string("text", &s.text_template, false));
  MNEMO_RETURN_IF_ERROR(get_string("choices_field", &s.choices_field, false));
  MNEMO_RETURN_IF_ERROR(get_string("answer_field", &s.answer_field, false));
  MNEMO_RETURN_IF_ERROR(get_string("id_field", &s.id_field, false));
  MNEMO_RETURN_IF_ERROR(get_string("target_delimiter", &s.target_delimiter, false));
  if (j.contains("limit")) {
    if (!j["limit"].is_number_integer() || j["limit"].get<int64_t>() < 0)
      return err("limit", "must be a non-negative integer");
    s.limit = j["limit"].get<size_t>();
  }
  if (std::filesystem::path(s.dataset).is_relative())
    s.dataset = (std::filesystem::path(base_dir) / s.dataset).lexically_normal().string();
  auto t = Template::Parse(s.text_template);
  if (!t.ok()) return Status::InvalidArgument(where + ": field 'text': " + t.status().message());
  return s;
}

nlohmann::json McTaskSpec::ToJson() const {
  return {{"name", name},
          {"dataset", dataset},
          {"text", text_template},
          {"choices_field", choices_field},
          {"answer_field", answer_field},
          {"id_field", id_field},
          {"target_delimiter", target_delimiter},
          {"limit", limit}};
}

Result<std::vector<McDoc>> LoadMcDocs(const McTaskSpec& spec) {
  auto tmpl = Template::Parse(spec.text_template);
  if (!tmpl.ok()) return tmpl.status();
  auto reader = JsonlReader::Open(spec.dataset);
  if (!reader.ok()) return reader.status();
  std::vector<McDoc> docs;
  nlohmann::json obj;
  while ((spec.limit == 0 || docs.size() < spec.limit) && (*reader)->Next(&obj)) {
    const JsonlReader& r = **reader;
    std::string where = r.path() + ":" + std::to_string(r.line_number());
    McDoc d;
    d.index = static_cast<int64_t>(docs.size());
    const nlohmann::json* id = LookupPath(obj, spec.id_field);
    d.id = id == nullptr ? std::to_string(d.index)
                         : (id->is_string() ? id->get<std::string>() : id->dump());
    auto ctx = tmpl->Render(obj, where);
    if (!ctx.ok()) return ctx.status();
    d.context = std::move(ctx).value();
    const nlohmann::json* choices = LookupPath(obj, spec.choices_field);
    if (choices == nullptr) return Status::InvalidArgument(r.FieldError(spec.choices_field, "is missing"));
    if (!choices->is_array() || choices->size() < 2)
      return Status::InvalidArgument(r.FieldError(spec.choices_field, "must be a list of at least 2 strings"));
    for (const auto& c : *choices) {
      if (!c.is_string())
        return Status::InvalidArgument(r.FieldError(spec.choices_field, "must contain only strings"));
      d.choices.push_back(c.get<std::string>());
    }
    const nlohmann::json* ans = LookupPath(obj, spec.answer_field);
    if (ans == nullptr) return Status::InvalidArgument(r.FieldError(spec.answer_field, "is missing"));
    if (ans->is_number_integer()) {  // range-checked as int64, so 2^32 + 1 does not wrap to 1
      int64_t g = ans->get<int64_t>();
      if (g >= 0 && g < static_cast<int64_t>(d.choices.size())) d.gold = static_cast<int>(g);
    } else if (ans->is_string()) {  // a choice's text, as lm-eval accepts: its first occurrence
      for (size_t i = 0; i < d.choices.size() && d.gold < 0; ++i)
        if (d.choices[i] == ans->get<std::string>()) d.gold = static_cast<int>(i);
    }
    if (d.gold < 0 || d.gold >= static_cast<int>(d.choices.size()))
      return Status::InvalidArgument(r.FieldError(spec.answer_field,
                                                  "must be a choice index in [0, " +
                                                      std::to_string(d.choices.size()) +
                                                      ") or one of the choices"));
    docs.push_back(std::move(d));
  }
  if (!(*reader)->status().ok()) return (*reader)->status();
  return docs;
}

Result<std::vector<Request>> BuildMcRequests(const Model& model, const McTaskSpec& spec,
                                             const std::vector<McDoc>& docs,
                                             std::vector<size_t>* first) {
  std::vector<Request> out;
  first->clear();
  for (const auto& d : docs) {
    first->push_back(out.size());
    for (const auto& c : d.choices) {
      auto pair = EncodePair(model, d.context, spec.target_delimiter + c);
      if (!pair.ok()) return pair.status();
      if (model.info().n_ctx > 0) TruncateLeft(&pair.value(), model.info().n_ctx);
      Request r;
      r.kind = MN_REQ_SCORE;
      r.context = std::move(pair->context);
      r.continuation = std::move(pair->continuation);
      out.push_back(std::move(r));
    }
  }
  return out;
}

McOutcome ScoreMc(const McTaskSpec& spec, const std::vector<McDoc>& docs,
                  const std::vector<Request>& requests, const std::vector<size_t>& first,
                  const std::vector<Response>& responses) {
  (void)spec;
  McOutcome out;
  std::vector<double> acc, acc_norm;
  for (size_t d = 0; d < docs.size(); ++d) {
    const McDoc& doc = docs[d];
    SampleRecord s;
    s.doc_id = doc.id;
    s.doc_index = doc.index;
    nlohmann::json lls = nlohmann::json::array(), greedy = nlohmann::json::array();
    std::string error;
    bool failed = false;
    std::vector<double> ll(doc.choices.size());
    for (size_t c = 0; c < doc.choices.size(); ++c) {
      const Response& r = responses[first[d] + c];
      if (!r.ok()) {  // a failure without a message is still a failure
        failed = true;
        error = r.error.empty() ? "request failed (status " + std::to_string(r.status) + ")"
                                : r.error;
        break;
      }
      ll[c] = r.logprob;
      lls.push_back(r.logprob);
      greedy.push_back(r.is_greedy);
    }
    s.data = {{"context", doc.context}, {"choices", doc.choices}, {"gold", doc.gold}};
    if (failed) {
      s.data["error"] = error;
      ++out.n_failed;
      out.samples.push_back(std::move(s));
      continue;
    }
    size_t pred = 0, pred_norm = 0;
    double best = ll[0], best_norm = ll[0] / std::max<size_t>(1, CodePointLength(doc.choices[0]));
    for (size_t c = 1; c < ll.size(); ++c) {
      double norm = ll[c] / std::max<size_t>(1, CodePointLength(doc.choices[c]));
      if (ll[c] > best) best = ll[c], pred = c;
      if (norm > best_norm) best_norm = norm, pred_norm = c;
    }
    double a = pred == static_cast<size_t>(doc.gold) ? 1.0 : 0.0;
    double an = pred_norm == static_cast<size_t>(doc.gold) ? 1.0 : 0.0;
    acc.push_back(a);
    acc_norm.push_back(an);
    s.data["loglikelihoods"] = lls;
    s.data["is_greedy"] = greedy;
    s.data["pred"] = pred;
    s.data["pred_norm"] = pred_norm;
    s.data["acc"] = a;
    s.data["acc_norm"] = an;
    s.data["n_context_tokens"] = requests[first[d]].context.size();
    ++out.n_scored;
    out.samples.push_back(std::move(s));
  }
  MetricRecord m_acc{"acc", "none", Mean(acc), MeanStderr(acc), static_cast<int64_t>(acc.size()), true};
  MetricRecord m_norm{"acc_norm", "none", Mean(acc_norm), MeanStderr(acc_norm),
                      static_cast<int64_t>(acc_norm.size()), true};
  out.metrics = {m_acc, m_norm};
  return out;
}

}  // namespace mnemo
