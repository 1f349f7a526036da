#include "reports/model/longctx_view.h"

#include <algorithm>
#include <cstdlib>
#include <set>

namespace mnemo::reports {
namespace {

std::optional<int64_t> ToInt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(v);
}

double ToDouble(const std::string& s) {
  return std::strtod(s.c_str(), nullptr);
}

int64_t Int(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return 0;
  return j[key].get<int64_t>();
}

double Num(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return 0;
  return j[key].get<double>();
}

std::string Str(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}

}  // namespace

std::map<std::string, std::string> ParseFilter(const std::string& filter) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= filter.size()) {
    size_t comma = filter.find(',', start);
    if (comma == std::string::npos) comma = filter.size();
    const std::string part = filter.substr(start, comma - start);
    const size_t eq = part.find('=');
    if (eq != std::string::npos) out[part.substr(0, eq)] = part.substr(eq + 1);
    start = comma + 1;
  }
  return out;
}

LongContextView BuildLongContextView(const std::string& label, const JobRecord& job,
                                     const std::vector<MetricRecord>& metrics) {
  LongContextView v;
  v.label = label;
  v.job = job.name;
  std::set<int64_t> lengths;
  std::set<std::pair<double, std::string>> depths;
  std::map<int64_t, LongContextView::Measured> measured;
  for (const auto& m : metrics) {
    auto f = ParseFilter(m.filter);
    const auto length = f.count("length") ? ToInt(f["length"]) : std::nullopt;
    if (m.name == "effective_length") {
      v.effective_length = m.value;
      v.threshold = f.count("threshold") ? f["threshold"] : "";
      continue;
    }
    if (!length) continue;
    lengths.insert(*length);
    if (m.name == "accuracy" && f.count("depth") && !f.count("task")) {
      depths.insert({ToDouble(f["depth"]), f["depth"]});
      v.heat.push_back({*length, f["depth"], m.value, m.stderr_value, m.n});
    } else if (m.name == "accuracy" && f.count("task")) {
      if (std::find(v.tasks.begin(), v.tasks.end(), f["task"]) == v.tasks.end())
        v.tasks.push_back(f["task"]);
      v.by_task.push_back({f["task"], *length, m.value, m.stderr_value, m.n});
    } else if (m.name == "ruler_average") {
      v.ruler_average[*length] = m.value;
    } else if (m.name == "peak_rss_bytes") {
      measured[*length].peak_rss_bytes = m.value;
    } else if (m.name == "tokens_per_second") {
      measured[*length].tokens_per_second = m.value;
    } else if (m.name == "kv_bytes") {
      measured[*length].kv_bytes = m.value;
    }
  }
  v.lengths.assign(lengths.begin(), lengths.end());
  for (const auto& d : depths) v.depths.push_back(d.second);
  for (auto& [length, m] : measured) {
    m.length = length;
    v.measured.push_back(m);
  }
  return v;
}

PerplexityView BuildPerplexityView(const std::string& label, const JobRecord& job,
                                   const ModelRecord* model,
                                   const std::vector<MetricRecord>& metrics) {
  PerplexityView v;
  v.label = label;
  v.job = job.name;
  v.ctx = Int(job.config, "ctx");
  if (model != nullptr && Int(model->info, "n_ctx_train") > 0)
    v.n_ctx_train = Int(model->info, "n_ctx_train");
  else if (job.config.is_object() && job.config.contains("kv_report") &&
           Int(job.config["kv_report"].value("model", nlohmann::json()), "n_ctx_train") > 0)
    v.n_ctx_train = Int(job.config["kv_report"]["model"], "n_ctx_train");
  const std::string prefix = "ppl_pos_";
  for (const auto& m : metrics) {
    if (m.name == "ppl") {
      v.ppl = m.value;
      v.ppl_stderr = m.stderr_value;
      v.ppl_tokens = m.n;
    } else if (m.name == "ppl_llama") {
      v.ppl_llama = m.value;
      v.ppl_llama_stderr = m.stderr_value;
      v.ppl_llama_tokens = m.n;
    } else if (m.name.compare(0, prefix.size(), prefix) == 0) {
      const std::string rest = m.name.substr(prefix.size());
      const size_t us = rest.find('_');
      if (us == std::string::npos) continue;
      auto from = ToInt(rest.substr(0, us)), to = ToInt(rest.substr(us + 1));
      if (!from || !to) continue;
      v.buckets.push_back({*from, *to, m.value, m.stderr_value, m.n});
    }
  }
  std::sort(v.buckets.begin(), v.buckets.end(),
            [](const PerplexityView::Bucket& a, const PerplexityView::Bucket& b) {
              return a.from < b.from;
            });
  return v;
}

std::optional<KvMemoryView> BuildKvMemoryView(const std::string& label, const JobRecord& job) {
  if (!job.config.is_object() || !job.config.contains("kv_report") ||
      !job.config["kv_report"].is_object())
    return std::nullopt;
  const nlohmann::json& r = job.config["kv_report"];
  KvMemoryView v;
  v.label = label;
  v.job_kind = job.kind;
  v.job = job.name;
  const nlohmann::json model = r.value("model", nlohmann::json::object());
  v.arch = Str(model, "arch");
  v.name = Str(model, "name");
  v.n_layer = Int(model, "n_layer");
  v.n_ctx_train = Int(model, "n_ctx_train");
  v.n_swa = Int(model, "n_swa");
  v.swa_period = Int(model, "swa_period");
  v.covered = model.value("covered", true);
  if (model.contains("notes") && model["notes"].is_array())
    for (const auto& n : model["notes"])
      if (n.is_string()) v.notes.push_back(n.get<std::string>());
  const nlohmann::json w = r.value("weights", nlohmann::json::object());
  v.n_params = Num(w, "n_params");
  v.stored_bytes = Num(w, "stored_bytes");
  v.bf16_bytes = Num(w, "bf16_bytes");
  v.q4_0_bytes = Num(w, "q4_0_bytes");
  v.options = r.value("options", nlohmann::json::object());
  if (r.contains("kv") && r["kv"].is_array())
    for (const auto& k : r["kv"])
      v.kv.push_back({Int(k, "n_ctx_requested"), Int(k, "n_ctx"), Str(k, "type_k"),
                      Int(k, "global_cells"), Int(k, "swa_cells"), Num(k, "total_bytes"),
                      Num(k, "weights_plus_kv_bytes")});
  if (r.contains("what_if") && r["what_if"].is_array())
    for (const auto& k : r["what_if"])
      v.what_if.push_back({Int(k, "local_per_global"), Int(k, "window"), Int(k, "n_ctx_requested"),
                           Str(k, "kv_type"), Num(k, "total_bytes")});
  return v;
}

}  // namespace mnemo::reports
