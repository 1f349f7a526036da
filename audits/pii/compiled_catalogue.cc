#include "audits/pii/compiled_catalogue.h"

#include <utility>

#include <re2/re2.h>

namespace mnemo::pii {

namespace {

const std::bitset<256> kNoBytes;

std::string DenyRegex(const std::vector<std::string>& words) {
  std::string r = "\\b(?:";
  for (size_t i = 0; i < words.size(); ++i) r += (i ? "|" : "") + RE2::QuoteMeta(words[i]);
  return r + ")\\b";
}

}  // namespace

CompiledPattern::CompiledPattern() = default;
CompiledPattern::~CompiledPattern() = default;

Status CompileCatalogue(const Catalogue& catalogue, const ScanOptions& options,
                        CompiledCatalogue* out, std::vector<PatternSource>* sources,
                        std::vector<RegexShape>* shapes) {
  out->tlds = catalogue.tlds;
  out->context_boost = catalogue.context_boost;
  out->context_min_score = catalogue.context_min_score;
  out->allow.insert(options.allow_list.begin(), options.allow_list.end());
  if (options.entities.empty()) {
    for (const auto& e : catalogue.entities)
      if (e.enabled) out->entities.push_back(e);
  } else {
    for (const auto& name : options.entities) {
      const EntityDef* e = catalogue.Find(name);
      if (e == nullptr) {
        std::string known;
        for (const auto& x : catalogue.entities) known += (known.empty() ? "" : ", ") + x.name;
        return Status::InvalidArgument("unknown entity '" + name + "' (known: " + known + ")");
      }
      bool dup = false;
      for (const auto& x : out->entities) dup = dup || x.name == name;
      if (!dup) out->entities.push_back(*e);
    }
  }
  if (out->entities.empty()) return Status::InvalidArgument("no entities selected");

  auto add = [&](int ei, int pi, const std::string& regex, bool case_sensitive, double score,
                 int group, const std::bitset<256>* before,
                 const std::bitset<256>* after) -> Status {
    const EntityDef& e = out->entities[ei];
    std::string where = e.origin + ": entity " + e.name +
                        (pi >= 0 ? " pattern '" + e.patterns[pi].name + "'" : " deny_list");
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_case_sensitive(case_sensitive);
    o.set_max_mem(options.pattern_max_mem);
    o.set_log_errors(false);
    o.set_dot_nl(true);
    auto c = std::make_unique<CompiledPattern>();
    c->entity = ei;
    c->pattern = pi;
    c->re = std::make_unique<RE2>(regex, o);
    if (!c->re->ok()) return Status::InvalidArgument(where + ": " + c->re->error());
    c->score = score;
    c->group = group;
    c->before = before;
    c->after = after;
    if (pi >= 0) {
      const std::string& v =
          e.patterns[pi].validator.empty() ? e.validator : e.patterns[pi].validator;
      c->validator = v.empty() || v == "none" ? nullptr : FindValidator(v);
    }
    c->where = where;
    out->patterns.push_back(std::move(c));
    sources->push_back({regex, case_sensitive});
    return Status::Ok();
  };
  for (size_t ei = 0; ei < out->entities.size(); ++ei) {
    const EntityDef& e = out->entities[ei];
    for (size_t pi = 0; pi < e.patterns.size(); ++pi) {
      const PatternDef& p = e.patterns[pi];
      MNEMO_RETURN_IF_ERROR(add(static_cast<int>(ei), static_cast<int>(pi), p.regex,
                                p.case_sensitive, p.score, p.group, &p.before_set, &p.after_set));
    }
    if (!e.deny_list.empty())
      MNEMO_RETURN_IF_ERROR(add(static_cast<int>(ei), -1, DenyRegex(e.deny_list), false,
                                e.deny_score, 0, &kNoBytes, &kNoBytes));
    out->entity_allow.emplace_back(e.allow_list.begin(), e.allow_list.end());
  }

  // Each pattern's shape: its minimum length, and the class sequence of a fixed-length one
  // that reports its whole match.
  for (size_t i = 0; i < out->patterns.size(); ++i) {
    RegexShape shape = AnalyzeRegex((*sources)[i].regex, !(*sources)[i].case_sensitive);
    if (shape.ok) out->patterns[i]->min_length = shape.min_length;
    CompiledPattern& pc = *out->patterns[i];
    if (shape.ok && !shape.sequence.empty() && pc.group == 0) {
      pc.seq_length = shape.sequence.size();
      pc.seq_exact = shape.sequence_exact;
      pc.seq_words = shape.word_boundaries;
      for (size_t j = 0; j < pc.seq_length; ++j)
        for (int b = 0; b < 256; ++b)
          if (shape.sequence[j].test(static_cast<size_t>(b))) pc.seq_bits[b] |= uint64_t{1} << j;
    }
    shapes->push_back(std::move(shape));
  }
  return Status::Ok();
}

}  // namespace mnemo::pii
