// AuditConfig: validation, JSON form (recorded with the job) and parsing (run configs).
#include <set>

#include "audits/memorization/audit.h"

namespace mnemo {
namespace memorization {

Status AuditConfig::Validate() const {
  if (prefix_len == 0 || suffix_len == 0)
    return Status::InvalidArgument("prefix and suffix must be at least 1 token");
  if (probes_path.empty() && samples == 0)
    return Status::InvalidArgument(
        "nothing to probe: give a probe file (--probes) or a number of corpus samples "
        "(--samples) with a corpus (--corpus)");
  if (samples > 0 && corpus.paths.empty())
    return Status::InvalidArgument("sampling needs a corpus (--corpus FILE)");
  if (sampling.unit != "documents" && sampling.unit != "positions")
    return Status::InvalidArgument("sampling must be 'documents' or 'positions', not '" +
                                   sampling.unit + "'");
  if (!(approx.ratio >= 0.0 && approx.ratio <= 1.0))
    return Status::InvalidArgument("approx ratio must be within [0, 1]");
  if (max_batch == 0) return Status::InvalidArgument("max_batch must be at least 1");
  return Status::Ok();
}

nlohmann::json AuditConfig::ToJson() const {
  return {{"name", name},
          {"probes", probes_path},
          {"probe_separator", probe_file.separator},
          {"corpus", corpus.paths},
          {"format", corpus.format},
          {"text_field", corpus.text_field},
          {"id_field", corpus.id_field},
          {"source_field", corpus.source_field},
          {"samples", samples},
          {"sampling", sampling.unit},
          {"per_source", sampling.per_source},
          {"seed", sampling.seed},
          {"prefix", prefix_len},
          {"suffix", suffix_len},
          {"group_by", group_by},
          {"approx_ratio", approx.ratio},
          {"approx_rule", approx.rule == ApproxRule::kLessEqual ? "le" : "lt"},
          {"count_duplicates", count_duplicates},
          {"stop_at_eos", stop_at_eos},
          {"decoding", "greedy"}};
}

Result<AuditConfig> ParseAuditConfig(
    const nlohmann::json& j, const std::function<std::string(const std::string&)>& resolve) {
  static const std::set<std::string> kKnown = {
      "kind",         "name",         "probes",           "corpus",      "text_field",
      "id_field",     "source_field", "format",           "samples",     "sampling",
      "per_source",   "seed",         "prefix",           "suffix",      "group_by",
      "approx_ratio", "approx_rule",  "count_duplicates", "stop_at_eos", "probe_separator",
      "max_batch"};
  if (!j.is_object()) return Status::InvalidArgument(": must be an object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!kKnown.count(it.key()))
      return Status::InvalidArgument(it.key() + ": unknown key for a memorization job");
  AuditConfig c;
  auto bad = [](const std::string& k, const std::string& what) {
    return Status::InvalidArgument(k + ": " + what);
  };
  auto str = [&](const char* k, std::string* out) -> Status {
    if (!j.contains(k)) return Status::Ok();
    if (!j[k].is_string()) return bad(k, "must be a string");
    *out = j[k].get<std::string>();
    return Status::Ok();
  };
  auto uns = [&](const char* k, size_t* out) -> Status {
    if (!j.contains(k)) return Status::Ok();
    if (!j[k].is_number_unsigned()) return bad(k, "must be a non-negative integer");
    *out = j[k].get<size_t>();
    return Status::Ok();
  };
  auto boolean = [&](const char* k, bool* out) -> Status {
    if (!j.contains(k)) return Status::Ok();
    if (!j[k].is_boolean()) return bad(k, "must be true or false");
    *out = j[k].get<bool>();
    return Status::Ok();
  };
  auto list = [&](const char* k, std::vector<std::string>* out) -> Status {
    if (!j.contains(k)) return Status::Ok();
    if (j[k].is_string()) {
      out->push_back(j[k].get<std::string>());
      return Status::Ok();
    }
    if (!j[k].is_array()) return bad(k, "must be a string or a list of strings");
    for (const auto& v : j[k]) {
      if (!v.is_string()) return bad(k, "must be a string or a list of strings");
      out->push_back(v.get<std::string>());
    }
    return Status::Ok();
  };
  MNEMO_RETURN_IF_ERROR(str("name", &c.name));
  MNEMO_RETURN_IF_ERROR(str("probes", &c.probes_path));
  if (!c.probes_path.empty()) c.probes_path = resolve(c.probes_path);
  MNEMO_RETURN_IF_ERROR(list("corpus", &c.corpus.paths));
  for (auto& p : c.corpus.paths) p = resolve(p);
  MNEMO_RETURN_IF_ERROR(str("text_field", &c.corpus.text_field));
  MNEMO_RETURN_IF_ERROR(str("id_field", &c.corpus.id_field));
  MNEMO_RETURN_IF_ERROR(str("source_field", &c.corpus.source_field));
  MNEMO_RETURN_IF_ERROR(str("format", &c.corpus.format));
  MNEMO_RETURN_IF_ERROR(uns("samples", &c.samples));
  c.sampling.samples = c.samples;
  MNEMO_RETURN_IF_ERROR(str("sampling", &c.sampling.unit));
  MNEMO_RETURN_IF_ERROR(boolean("per_source", &c.sampling.per_source));
  size_t seed = c.sampling.seed;
  MNEMO_RETURN_IF_ERROR(uns("seed", &seed));
  c.sampling.seed = seed;
  MNEMO_RETURN_IF_ERROR(uns("prefix", &c.prefix_len));
  MNEMO_RETURN_IF_ERROR(uns("suffix", &c.suffix_len));
  MNEMO_RETURN_IF_ERROR(list("group_by", &c.group_by));
  if (j.contains("approx_ratio")) {
    if (!j["approx_ratio"].is_number()) return bad("approx_ratio", "must be a number");
    c.approx.ratio = j["approx_ratio"].get<double>();
  }
  std::string rule = "le";
  MNEMO_RETURN_IF_ERROR(str("approx_rule", &rule));
  if (rule != "le" && rule != "lt") return bad("approx_rule", "must be \"le\" or \"lt\"");
  c.approx.rule = rule == "le" ? ApproxRule::kLessEqual : ApproxRule::kLess;
  MNEMO_RETURN_IF_ERROR(boolean("count_duplicates", &c.count_duplicates));
  MNEMO_RETURN_IF_ERROR(boolean("stop_at_eos", &c.stop_at_eos));
  MNEMO_RETURN_IF_ERROR(str("probe_separator", &c.probe_file.separator));
  MNEMO_RETURN_IF_ERROR(uns("max_batch", &c.max_batch));
  if (Status s = c.Validate(); !s.ok()) return bad("kind", s.message());
  return c;
}

}  // namespace memorization
}  // namespace mnemo
