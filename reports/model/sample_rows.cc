#include "reports/model/sample_rows.h"

#include <cmath>

namespace mnemo::reports {
namespace {

std::string AsText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool IsContinuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

}  // namespace

std::string ShortenUtf8(const std::string& s, size_t max, bool keep_tail) {
  if (s.size() <= max) return s;
  if (keep_tail) {
    size_t start = s.size() - max;
    while (start < s.size() && IsContinuation(static_cast<unsigned char>(s[start]))) ++start;
    return "…" + s.substr(start);
  }
  size_t end = max;
  while (end > 0 && IsContinuation(static_cast<unsigned char>(s[end]))) --end;
  return s.substr(0, end) + "…";
}

SampleRow SummarizeSample(const SampleRecord& sample, const std::string& label,
                          const std::string& task) {
  const nlohmann::json& d = sample.data;
  SampleRow row;
  row.label = label;
  row.task = task;
  row.doc_id = sample.doc_id;
  row.doc_index = sample.doc_index;
  row.filter = d.value("filter", std::string("none"));
  if (d.contains("error") && d["error"].is_string()) row.error = d["error"].get<std::string>();
  const nlohmann::json* args =
      d.contains("arguments") && d["arguments"].is_array() ? &d["arguments"] : nullptr;
  if (args != nullptr && !args->empty()) {
    const nlohmann::json& a0 = (*args)[0];
    if (a0.is_array() && !a0.empty() && a0[0].is_string())
      row.prompt = a0[0].get<std::string>();
    else if (a0.is_string())
      row.prompt = a0.get<std::string>();
  }
  row.prompt = ShortenUtf8(row.prompt, kMaxPromptChars, /*keep_tail=*/true);
  if (d.contains("target")) {
    const nlohmann::json& t = d["target"];
    row.target = AsText(t);
    // Multiple choice: an index into the options; show the option's text too.
    if (t.is_number_integer() && args != nullptr) {
      auto i = t.get<int64_t>();
      if (i >= 0 && static_cast<size_t>(i) < args->size()) {
        const nlohmann::json& ai = (*args)[static_cast<size_t>(i)];
        if (ai.is_array() && ai.size() >= 2 && ai[1].is_string())
          row.target += ": " + ai[1].get<std::string>();
      }
    }
  }
  // The answer: a generation's filtered text, else the most likely option, else the
  // log-likelihood.
  const nlohmann::json& fr = d.contains("filtered_resps") ? d["filtered_resps"] : d;
  if (fr.is_array() && !fr.empty() && fr[0].is_string()) {
    row.response = fr[0].get<std::string>();
  } else if (fr.is_array() && !fr.empty() && fr[0].is_array() && !fr[0].empty() &&
             fr[0][0].is_string()) {
    row.response = fr[0][0].get<std::string>();
  } else if (fr.is_array() && fr.size() > 1 && args != nullptr && args->size() == fr.size()) {
    size_t best = 0;
    double best_ll = -INFINITY;
    for (size_t k = 0; k < fr.size(); ++k) {
      const nlohmann::json& e = fr[k];
      double ll = e.is_array() && !e.empty() && e[0].is_number() ? e[0].get<double>()
                  : e.is_number()                                ? e.get<double>()
                                                                 : -INFINITY;
      if (ll > best_ll) {
        best_ll = ll;
        best = k;
      }
    }
    const nlohmann::json& ab = (*args)[best];
    row.response = std::to_string(best);
    if (ab.is_array() && ab.size() >= 2 && ab[1].is_string())
      row.response += ": " + ab[1].get<std::string>();
  } else if (fr.is_array() && fr.size() == 1) {
    const nlohmann::json& e = fr[0];
    if (e.is_number())
      row.response = "loglikelihood " + AsText(e);
    else if (e.is_array() && !e.empty() && e[0].is_number())
      row.response = "loglikelihood " + AsText(e[0]);
  }
  row.response = ShortenUtf8(row.response, kMaxPromptChars, /*keep_tail=*/false);
  row.target = ShortenUtf8(row.target, kMaxPromptChars, /*keep_tail=*/false);
  if (d.contains("metrics") && d["metrics"].is_array()) {
    for (const auto& n : d["metrics"]) {
      if (!n.is_string()) continue;
      std::string name = n.get<std::string>();
      auto it = d.find(name);
      if (it == d.end()) continue;
      if (it->is_number())
        row.metrics.emplace_back(name, it->get<double>());
      else if (it->is_boolean())
        row.metrics.emplace_back(name, it->get<bool>() ? 1.0 : 0.0);
      else if (it->is_array() && !it->empty() && (*it)[0].is_number())
        row.metrics.emplace_back(name, (*it)[0].get<double>());
    }
  }
  return row;
}

}  // namespace mnemo::reports
