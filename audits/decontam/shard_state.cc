#include "audits/decontam/shard_state.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "datasets/io/corpus_pieces.h"

namespace mnemo {
namespace decontam {
namespace {

// Version 2 adds the pieces with their line counts and the evidence's piece fields; version 1
// states (whole files, file lines) still merge.
constexpr const char kFormat[] = "mnemo-decontam-shard/2";
constexpr const char kFormatV1[] = "mnemo-decontam-shard/1";

nlohmann::json EvidenceJson(const Evidence& e) {
  nlohmann::json j = {{"file_id", e.file_id}, {"file", e.file},     {"line", e.line},
                      {"doc", e.doc},         {"offset", e.offset}, {"length", e.length},
                      {"ngrams", e.ngrams},   {"text", e.text}};
  if (e.piece_line) {
    j["piece"] = e.piece;
    j["piece_line"] = true;
    j["fallback_id"] = e.fallback_id;
  }
  return j;
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
  e.piece = j.value("piece", 0u);
  e.piece_line = j.value("piece_line", false);
  e.fallback_id = j.value("fallback_id", false);
  return e;
}

CorpusPiece PieceFrom(const nlohmann::json& j) {
  CorpusPiece p;
  p.file_index = j.at("file").get<size_t>();
  p.path = j.at("path").get<std::string>();
  p.begin = j.at("begin").get<uint64_t>();
  p.end = j.at("end").get<uint64_t>();
  p.ordinal = j.at("ordinal").get<uint32_t>();
  return p;
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

nlohmann::json ShardStateJson(const EvalIndex& index, const std::string& shard, const ScanResult& r,
                              const std::vector<size_t>* only_items) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["fingerprint"] = std::to_string(index.fingerprint());
  j["shard"] = shard;
  nlohmann::json pieces = nlohmann::json::array();
  for (size_t k = 0; k < r.pieces.size(); ++k) {
    nlohmann::json p = r.pieces[k].ToJson();
    p["lines"] = k < r.piece_lines.size() ? r.piece_lines[k] : 0;
    pieces.push_back(std::move(p));
  }
  j["pieces"] = std::move(pieces);
  std::vector<uint64_t> keep;  // the ranks written: all, or those the chosen items hold
  if (only_items != nullptr) {
    keep.assign(r.matched.size(), 0);
    for (size_t i : *only_items)
      for (int32_t g : index.grams(i))
        if (g >= 0) keep[static_cast<size_t>(g) >> 6] |= uint64_t{1} << (g & 63);
  }
  nlohmann::json matched = nlohmann::json::array();
  for (size_t w = 0; w < r.matched.size(); ++w)
    for (uint64_t bits = r.matched[w] & (only_items ? keep[w] : ~uint64_t{0}); bits != 0;
         bits &= bits - 1)
      matched.push_back(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
  j["matched"] = std::move(matched);
  nlohmann::json items = nlohmann::json::object();
  auto add_item = [&](size_t i) {
    if (r.docs[i] == 0 && r.evidence[i].empty()) return;
    nlohmann::json ev = nlohmann::json::array();
    for (const auto& e : r.evidence[i]) ev.push_back(EvidenceJson(e));
    items[std::to_string(i)] = {{"docs", r.docs[i]}, {"evidence", std::move(ev)}};
  };
  if (only_items != nullptr) {
    for (size_t i : *only_items) add_item(i);
  } else {
    for (size_t i = 0; i < r.evidence.size(); ++i) add_item(i);
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
  return j;
}

Status WriteShardState(const std::string& path, const EvalIndex& index, const std::string& shard,
                       const ScanResult& r) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return Status::IoError(path + ": cannot write the shard state");
  out << ShardStateJson(index, shard, r).dump() << "\n";
  out.close();
  if (!out) return Status::IoError(path + ": write failed");
  return Status::Ok();
}

Result<ScanResult> MergeShardStateJsons(
    const std::vector<std::pair<std::string, nlohmann::json>>& states, const EvalIndex& index,
    size_t evidence) {
  ScanResult res;
  res.matched.assign((index.set().size() + 63) / 64, 0);
  res.evidence.resize(index.items());
  res.docs.assign(index.items(), 0);
  std::vector<CorpusPiece> pieces;  // every shard's, with their line counts
  std::vector<int64_t> lines;
  std::map<size_t, std::string> seen;  // shard index -> state
  size_t count = 0;
  std::string first;
  for (const auto& [where, j] : states) {
    try {
      const std::string format = j.value("format", "");
      if (format != kFormat && format != kFormatV1)
        return Status::InvalidArgument(where + ": not a decontam shard state (format '" + format +
                                       "')");
      if (j.at("fingerprint").get<std::string>() != std::to_string(index.fingerprint()))
        return Status::InvalidArgument(
            where +
            ": made with other eval items or options (method, --n, --boilerplate, units) "
            "than this merge");
      size_t si = 0, sn = 0;
      const std::string shard = j.at("shard").get<std::string>();
      if (!shard.empty()) {
        if (Status s = ParseShard(shard, &si, &sn); !s.ok())
          return Status::InvalidArgument(where + ": field 'shard': " + s.message());
        if (count != 0 && sn != count)
          return Status::InvalidArgument(where + ": shard " + shard + " is not of the " +
                                         std::to_string(count) + " shards of " + first);
        count = sn;
        if (first.empty()) first = where;
        auto [it, fresh] = seen.emplace(si, where);
        if (!fresh)
          return Status::InvalidArgument(where + ": duplicate shard " + shard + " (also " +
                                         it->second + ")");
      }
      for (const auto& p : j.value("pieces", nlohmann::json::array())) {
        pieces.push_back(PieceFrom(p));
        lines.push_back(p.at("lines").get<int64_t>());
      }
      for (const auto& g : j.at("matched")) {
        uint64_t r = g.get<uint64_t>();
        if (r >= index.set().size())
          return Status::InvalidArgument(where + ": field 'matched': rank out of range");
        res.matched[r >> 6] |= uint64_t{1} << (r & 63);
      }
      for (const auto& [key, v] : j.at("items").items()) {
        size_t i = std::stoul(key);
        if (i >= index.items())
          return Status::InvalidArgument(where + ": field 'items': item " + key + " out of range");
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
      return Status::InvalidArgument(where + ": bad shard state: " + e.what());
    }
  }
  std::string missing;
  for (size_t i = 0; i < count; ++i)
    if (!seen.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  if (!missing.empty())
    return Status::InvalidArgument("shard states: missing shards " + missing + " of " +
                                   std::to_string(count) +
                                   " (given: " + std::to_string(states.size()) + ")");
  // Piece lines -> file lines.
  for (auto& list : res.evidence)
    for (auto& e : list) {
      if (!e.piece_line) continue;
      auto base = FileLineBase(pieces, lines, e.file_id, e.piece);
      if (!base.ok())
        return Status(base.status().code(), "shard states: evidence in " + e.file + " (piece " +
                                                std::to_string(e.piece) +
                                                "): " + base.status().message());
      e.line += *base;
      if (e.fallback_id) {
        const size_t colon = e.doc.rfind(':');
        e.doc = e.doc.substr(0, colon + 1) + std::to_string(e.line);
      }
      e.piece_line = false;
    }
  for (auto& list : res.evidence) {
    std::stable_sort(list.begin(), list.end(), [](const Evidence& a, const Evidence& b) {
      return a.file_id != b.file_id ? a.file_id < b.file_id : a.line < b.line;
    });
    if (list.size() > evidence) list.resize(evidence);
  }
  return res;
}

Result<ScanResult> MergeShardStates(const std::vector<std::string>& paths, const EvalIndex& index,
                                    size_t evidence) {
  std::vector<std::pair<std::string, nlohmann::json>> states;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound(path + ": cannot open the shard state");
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      states.emplace_back(path, nlohmann::json::parse(ss.str()));
    } catch (const std::exception& e) {
      return Status::InvalidArgument(path + ": bad shard state: " + e.what());
    }
  }
  return MergeShardStateJsons(states, index, evidence);
}

}  // namespace decontam
}  // namespace mnemo
