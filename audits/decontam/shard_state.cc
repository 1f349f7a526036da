#include "audits/decontam/shard_state.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mnemo {
namespace decontam {
namespace {

constexpr const char kFormat[] = "mnemo-decontam-shard/1";

nlohmann::json EvidenceJson(const Evidence& e) {
  return {{"file_id", e.file_id}, {"file", e.file},     {"line", e.line},     {"doc", e.doc},
          {"offset", e.offset},   {"length", e.length}, {"ngrams", e.ngrams}, {"text", e.text}};
}

Evidence EvidenceFrom(const nlohmann::json& j) {
  Evidence e;
  e.file_id = j.at("file_id").get<uint32_t>();
  e.file = j.at("file").get<std::string>();
  e.line = j.at("line").get<int64_t>();
  e.doc = j.at("doc").get<std::string>();
  e.offset = j.at("offset").get<int64_t>();
  e.length = j.at("length").get<int64_t>();
  e.ngrams = j.at("ngrams").get<int64_t>();
  e.text = j.at("text").get<std::string>();
  return e;
}

}  // namespace

Status ParseShard(const std::string& spec, size_t* index, size_t* count) {
  size_t slash = spec.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("");
    size_t a = 0, b = 0;
    unsigned long i = std::stoul(spec.substr(0, slash), &a);
    unsigned long n = std::stoul(spec.substr(slash + 1), &b);
    if (a != slash || b != spec.size() - slash - 1 || n == 0 || i >= n)
      throw std::invalid_argument("");
    *index = i;
    *count = n;
  } catch (const std::exception&) {
    return Status::InvalidArgument("--shard '" + spec + "': expected i/N with 0 <= i < N");
  }
  return Status::Ok();
}

Status WriteShardState(const std::string& path, const EvalIndex& index, const std::string& shard,
                       const ScanResult& r) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["fingerprint"] = std::to_string(index.fingerprint());
  j["shard"] = shard;
  nlohmann::json matched = nlohmann::json::array();
  for (size_t w = 0; w < r.matched.size(); ++w)
    for (uint64_t bits = r.matched[w]; bits != 0; bits &= bits - 1)
      matched.push_back(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
  j["matched"] = std::move(matched);
  nlohmann::json items = nlohmann::json::object();
  for (size_t i = 0; i < r.evidence.size(); ++i) {
    if (r.docs[i] == 0 && r.evidence[i].empty()) continue;
    nlohmann::json ev = nlohmann::json::array();
    for (const auto& e : r.evidence[i]) ev.push_back(EvidenceJson(e));
    items[std::to_string(i)] = {{"docs", r.docs[i]}, {"evidence", std::move(ev)}};
  }
  j["items"] = std::move(items);
  const ScanStats& s = r.stats;
  j["stats"] = {{"files", s.files},
                {"bytes", s.bytes},
                {"lines", s.lines},
                {"documents", s.documents},
                {"missing_field", s.missing_field},
                {"first_missing", s.first_missing},
                {"slow_lines", s.slow_lines},
                {"seconds", s.seconds}};
  std::ofstream out(path, std::ios::binary);
  if (!out) return Status::IoError(path + ": cannot write the shard state");
  out << j.dump() << "\n";
  out.close();
  if (!out) return Status::IoError(path + ": write failed");
  return Status::Ok();
}

Result<ScanResult> MergeShardStates(const std::vector<std::string>& paths, const EvalIndex& index,
                                    size_t evidence) {
  ScanResult res;
  res.matched.assign((index.set().size() + 63) / 64, 0);
  res.evidence.resize(index.items());
  res.docs.assign(index.items(), 0);
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound(path + ": cannot open the shard state");
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(ss.str());
      if (j.value("format", "") != kFormat)
        return Status::InvalidArgument(path + ": not a decontam shard state (format '" +
                                       j.value("format", "") + "')");
      if (j.at("fingerprint").get<std::string>() != std::to_string(index.fingerprint()))
        return Status::InvalidArgument(
            path +
            ": made with other eval items or options (method, --n, --boilerplate, units) "
            "than this merge");
      for (const auto& g : j.at("matched")) {
        uint64_t r = g.get<uint64_t>();
        if (r >= index.set().size())
          return Status::InvalidArgument(path + ": field 'matched': rank out of range");
        res.matched[r >> 6] |= uint64_t{1} << (r & 63);
      }
      for (const auto& [key, v] : j.at("items").items()) {
        size_t i = std::stoul(key);
        if (i >= index.items())
          return Status::InvalidArgument(path + ": field 'items': item " + key + " out of range");
        res.docs[i] += v.at("docs").get<int64_t>();
        for (const auto& e : v.at("evidence")) res.evidence[i].push_back(EvidenceFrom(e));
      }
      const auto& s = j.at("stats");
      res.stats.files += s.at("files").get<int64_t>();
      res.stats.bytes += s.at("bytes").get<int64_t>();
      res.stats.lines += s.at("lines").get<int64_t>();
      res.stats.documents += s.at("documents").get<int64_t>();
      res.stats.missing_field += s.at("missing_field").get<int64_t>();
      res.stats.slow_lines += s.at("slow_lines").get<int64_t>();
      res.stats.seconds = std::max(res.stats.seconds, s.at("seconds").get<double>());
      for (const auto& m : s.at("first_missing"))
        if (res.stats.first_missing.size() < 5) res.stats.first_missing.push_back(m);
    } catch (const std::exception& e) {
      return Status::InvalidArgument(path + ": bad shard state: " + e.what());
    }
  }
  for (auto& list : res.evidence) {
    std::stable_sort(list.begin(), list.end(), [](const Evidence& a, const Evidence& b) {
      return a.file_id != b.file_id ? a.file_id < b.file_id : a.line < b.line;
    });
    if (list.size() > evidence) list.resize(evidence);
  }
  return res;
}

}  // namespace decontam
}  // namespace mnemo
