#include "audits/memorization/probe_builder.h"

#include <filesystem>
#include <unordered_set>

#include "datasets/io/jsonl_reader.h"

namespace mnemo {
namespace memorization {
namespace {

std::string Stem(const std::string& path) {
  std::filesystem::path p(path);
  std::string ext = p.extension().string();
  if (ext == ".gz" || ext == ".zst") p = p.stem();
  return p.stem().string();
}

Status ReadTokenList(const JsonlReader& r, const nlohmann::json& rec, const char* field,
                     std::vector<int32_t>* out) {
  const auto& v = rec.at(field);
  if (!v.is_array() || v.empty())
    return Status::InvalidArgument(r.FieldError(field, "must be a non-empty list of token ids"));
  for (const auto& t : v) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > INT32_MAX)
      return Status::InvalidArgument(r.FieldError(field, "must contain only token ids"));
    out->push_back(t.get<int32_t>());
  }
  return Status::Ok();
}

}  // namespace

bool MakeWindow(const std::vector<int32_t>& tokens, size_t offset, const WindowSpec& spec,
                Probe* probe) {
  if (offset + spec.prefix_len + spec.suffix_len > tokens.size()) return false;
  probe->prefix.clear();
  probe->prefix.reserve(spec.prefix_len + 1);
  if (spec.bos >= 0) probe->prefix.push_back(spec.bos);
  const auto begin = tokens.begin() + static_cast<std::ptrdiff_t>(offset);
  const auto mid = begin + static_cast<std::ptrdiff_t>(spec.prefix_len);
  probe->prefix.insert(probe->prefix.end(), begin, mid);
  probe->suffix.assign(mid, mid + static_cast<std::ptrdiff_t>(spec.suffix_len));
  return true;
}

std::string ShortCount::Describe(size_t need) const {
  if (count == 0) return "";
  std::string s = std::to_string(count) + (count == 1 ? " document" : " documents") +
                  " shorter than prefix + suffix = " + std::to_string(need) + " tokens (first at ";
  for (size_t i = 0; i < first.size(); ++i) s += (i > 0 ? ", " : "") + first[i];
  return s + ")";
}

Result<ProbeFileResult> LoadProbeFile(const std::string& path, const TokenizeFn& tokenize,
                                      const WindowSpec& spec, const ProbeFileOptions& options) {
  auto reader = JsonlReader::Open(path);
  if (!reader.ok()) return reader.status();
  JsonlReader& r = **reader;
  ProbeFileResult out;
  const std::string stem = Stem(path);
  std::unordered_set<std::string> ids;
  nlohmann::json rec;
  while (r.Next(&rec)) {
    ++out.records;
    const std::string where = path + ":" + std::to_string(r.line_number());
    Probe p;
    p.location = where;
    if (rec.contains("id")) {
      const auto& id = rec["id"];
      if (id.is_string()) {
        p.id = id.get<std::string>();
      } else if (id.is_number_integer()) {
        p.id = id.dump();
      } else {
        return Status::InvalidArgument(r.FieldError("id", "must be a string or an integer"));
      }
    } else {
      p.id = stem + ":" + std::to_string(r.line_number());
    }
    if (!ids.insert(p.id).second)
      return Status::InvalidArgument(r.FieldError("id", "repeats the id '" + p.id + "'"));
    p.source = stem;
    if (rec.contains("source")) {
      if (!rec["source"].is_string())
        return Status::InvalidArgument(r.FieldError("source", "must be a string"));
      p.source = rec["source"].get<std::string>();
    }
    const bool has_tokens = rec.contains("prefix_tokens") || rec.contains("suffix_tokens");
    if (has_tokens) {
      for (const char* f : {"prefix_tokens", "suffix_tokens"})
        if (!rec.contains(f))
          return Status::InvalidArgument(
              r.FieldError(f,
                           "is missing (given token windows need both prefix_tokens and "
                           "suffix_tokens)"));
      MNEMO_RETURN_IF_ERROR(ReadTokenList(r, rec, "prefix_tokens", &p.prefix));
      MNEMO_RETURN_IF_ERROR(ReadTokenList(r, rec, "suffix_tokens", &p.suffix));
    } else {
      if (!rec.contains("text"))
        return Status::InvalidArgument(
            r.FieldError("text",
                         "is missing (a probe needs \"text\", \"prefix\" + \"text\", or "
                         "\"prefix_tokens\" + \"suffix_tokens\")"));
      if (!rec["text"].is_string())
        return Status::InvalidArgument(r.FieldError("text", "must be a string"));
      std::string doc;
      if (rec.contains("prefix")) {
        if (!rec["prefix"].is_string())
          return Status::InvalidArgument(r.FieldError("prefix", "must be a string"));
        doc = rec["prefix"].get<std::string>() + options.separator;
      }
      doc += rec["text"].get<std::string>();
      auto toks = tokenize(doc);
      if (!toks.ok()) return Status(toks.status().code(), where + ": " + toks.status().message());
      if (!MakeWindow(*toks, 0, spec, &p)) {
        out.too_short.Add(where);
        continue;
      }
    }
    p.group = nlohmann::json::object();
    p.group["source"] = p.source;
    for (auto it = rec.begin(); it != rec.end(); ++it) {
      const std::string& k = it.key();
      if (k == "id" || k == "source" || k == "prefix" || k == "text" || k == "prefix_tokens" ||
          k == "suffix_tokens")
        continue;
      p.group[k] = it.value();
    }
    p.index = static_cast<int64_t>(out.probes.size());
    out.probes.push_back(std::move(p));
  }
  if (!r.status().ok()) return r.status();
  if (out.records == 0)
    return Status::InvalidArgument("probe file '" + path + "' has no probe records");
  return out;
}

}  // namespace memorization
}  // namespace mnemo
