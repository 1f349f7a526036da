#include "audits/pii/engine.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "audits/pii/regex_shape.h"

#include <re2/re2.h>
#include <re2/set.h>

namespace mnemo::pii {

class SetHolder {
 public:
  explicit SetHolder(const RE2::Options& o) : set(o, RE2::UNANCHORED) {}
  RE2::Set set;
};

struct Scanner::Compiled {
  int entity = 0;
  int pattern = 0;  // -1: the entity's deny list
  std::unique_ptr<RE2> re;
  double score = 0.0;
  int group = 0;
  const std::bitset<256>* before = nullptr;
  const std::bitset<256>* after = nullptr;
  ValidatorFn validator = nullptr;
  std::string where;  // "<file>: entity X pattern 'y'", for errors
};

namespace {

const std::bitset<256> kNoBytes;

bool IsWordByte(unsigned char c) {
  return std::isalnum(c) != 0 || c == '_';
}

std::string DenyRegex(const std::vector<std::string>& words) {
  std::string r = "\\b(?:";
  for (size_t i = 0; i < words.size(); ++i) r += (i ? "|" : "") + RE2::QuoteMeta(words[i]);
  return r + ")\\b";
}

// Up to `max_words` lower-cased words of text[from, to), nearest to `anchor_end` first when
// `backwards`; joined with single spaces.
std::string WindowWords(std::string_view text, size_t from, size_t to, int max_words,
                        bool backwards) {
  std::vector<std::string> words;
  if (backwards) {
    size_t i = to;
    while (i > from && static_cast<int>(words.size()) < max_words) {
      while (i > from && !IsWordByte(static_cast<unsigned char>(text[i - 1]))) --i;
      size_t e = i;
      while (i > from && IsWordByte(static_cast<unsigned char>(text[i - 1]))) --i;
      if (e > i) words.emplace_back(text.substr(i, e - i));
    }
    std::reverse(words.begin(), words.end());
  } else {
    size_t i = from;
    while (i < to && static_cast<int>(words.size()) < max_words) {
      while (i < to && !IsWordByte(static_cast<unsigned char>(text[i]))) ++i;
      size_t s = i;
      while (i < to && IsWordByte(static_cast<unsigned char>(text[i]))) ++i;
      if (i > s) words.emplace_back(text.substr(s, i - s));
    }
  }
  std::string joined;
  for (const auto& w : words) {
    if (!joined.empty()) joined.push_back(' ');
    joined += w;
  }
  for (char& c : joined) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return joined;
}

}  // namespace

size_t CodePointOffset(std::string_view text, size_t off) {
  size_t n = 0;
  for (size_t i = 0; i < off && i < text.size(); ++i)
    n += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return n;
}

Scanner::~Scanner() = default;

Result<std::unique_ptr<Scanner>> Scanner::Create(const Catalogue& catalogue,
                                                 const ScanOptions& options) {
  std::unique_ptr<Scanner> s(new Scanner());
  s->options_ = options;
  s->tlds_ = catalogue.tlds;
  s->context_boost_ = catalogue.context_boost;
  s->context_min_score_ = catalogue.context_min_score;
  s->allow_.insert(options.allow_list.begin(), options.allow_list.end());
  if (options.entities.empty()) {
    for (const auto& e : catalogue.entities)
      if (e.enabled) s->entities_.push_back(e);
  } else {
    for (const auto& name : options.entities) {
      const EntityDef* e = catalogue.Find(name);
      if (e == nullptr) {
        std::string known;
        for (const auto& x : catalogue.entities) known += (known.empty() ? "" : ", ") + x.name;
        return Status::InvalidArgument("unknown entity '" + name + "' (known: " + known + ")");
      }
      bool dup = false;
      for (const auto& x : s->entities_) dup = dup || x.name == name;
      if (!dup) s->entities_.push_back(*e);
    }
  }
  if (s->entities_.empty()) return Status::InvalidArgument("no entities selected");

  struct Source {
    std::string regex;
    bool case_sensitive;
  };
  std::vector<Source> sources;
  auto add = [&](int ei, int pi, const std::string& regex, bool case_sensitive, double score,
                 int group, const std::bitset<256>* before,
                 const std::bitset<256>* after) -> Status {
    const EntityDef& e = s->entities_[ei];
    std::string where = e.origin + ": entity " + e.name +
                        (pi >= 0 ? " pattern '" + e.patterns[pi].name + "'" : " deny_list");
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_case_sensitive(case_sensitive);
    o.set_max_mem(options.pattern_max_mem);
    o.set_log_errors(false);
    o.set_dot_nl(true);
    auto c = std::make_unique<Compiled>();
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
    s->patterns_.push_back(std::move(c));
    sources.push_back({regex, case_sensitive});
    return Status::Ok();
  };
  for (size_t ei = 0; ei < s->entities_.size(); ++ei) {
    const EntityDef& e = s->entities_[ei];
    for (size_t pi = 0; pi < e.patterns.size(); ++pi) {
      const PatternDef& p = e.patterns[pi];
      MNEMO_RETURN_IF_ERROR(add(static_cast<int>(ei), static_cast<int>(pi), p.regex,
                                p.case_sensitive, p.score, p.group, &p.before_set, &p.after_set));
    }
    if (!e.deny_list.empty())
      MNEMO_RETURN_IF_ERROR(add(static_cast<int>(ei), -1, DenyRegex(e.deny_list), false,
                                e.deny_score, 0, &kNoBytes, &kNoBytes));
    s->entity_allow_.emplace_back(e.allow_list.begin(), e.allow_list.end());
  }

  // A pattern is prefiltered by its runs when its shape is known and its trigger bytes are
  // rare; above this share of text bytes the runs would cover most text and the Set is cheaper.
  constexpr double kMaxTriggerRate = 0.035;
  s->run_of_.assign(s->patterns_.size(), -1);
  for (size_t i = 0; i < s->patterns_.size(); ++i) {
    if (!options.use_runs || s->run_pattern_.size() >= 64) break;
    RegexShape shape = AnalyzeRegex(sources[i].regex, !sources[i].case_sensitive);
    if (!shape.ok || shape.trigger_rate > kMaxTriggerRate) continue;
    size_t k = s->run_pattern_.size();
    s->run_of_[i] = static_cast<int>(k);
    s->run_pattern_.push_back(static_cast<int>(i));
    std::array<bool, 256> alphabet{};
    for (int b = 0; b < 256; ++b) {
      alphabet[b] = shape.alphabet.test(b);
      if (shape.trigger.test(b)) s->trigger_mask_[b] |= uint64_t{1} << k;
    }
    int id = 0;
    while (id < static_cast<int>(k) && s->run_alphabet_[static_cast<size_t>(id)] != alphabet) ++id;
    s->run_alphabet_id_.push_back(id);
    s->run_alphabet_.push_back(alphabet);
    s->run_everywhere_.push_back(shape.alphabet.all());
    s->run_min_length_.push_back(std::max<size_t>(shape.min_length, 1));
  }

  RE2::Options set_opt;
  set_opt.set_encoding(RE2::Options::EncodingLatin1);
  set_opt.set_max_mem(options.set_max_mem);
  set_opt.set_log_errors(false);
  set_opt.set_dot_nl(true);
  for (size_t i = 0; i < s->patterns_.size(); ++i) {
    if (s->run_of_[i] >= 0) continue;
    if (!s->set_) s->set_ = std::make_unique<SetHolder>(set_opt);
    std::string err;
    int idx = s->set_->set.Add((sources[i].case_sensitive ? "" : "(?i)") + sources[i].regex, &err);
    if (idx < 0) return Status::InvalidArgument(s->patterns_[i]->where + ": " + err);
    if (idx != static_cast<int>(s->set_patterns_.size()))
      return Status::Internal("RE2::Set numbered a pattern out of order");
    s->set_patterns_.push_back(static_cast<int>(i));
  }
  if (s->set_ && !s->set_->set.Compile())
    return Status::InvalidArgument(
        "the PII pattern set does not compile within its memory budget (" +
        std::to_string(options.set_max_mem) + " bytes); select fewer entities");
  return s;
}

double Scanner::ContextScore(std::string_view text, const Finding& f, double score,
                             bool* hit) const {
  const EntityDef& e = entities_[f.entity];
  *hit = false;
  if (!options_.use_context || e.context.empty() || score >= 1.0) return score;
  size_t lo = f.start > options_.context_bytes ? f.start - options_.context_bytes : 0;
  size_t hi = std::min(text.size(), f.end + options_.context_bytes);
  std::string window;
  if (e.window_before > 0) window = WindowWords(text, lo, f.start, e.window_before, true);
  if (e.window_after > 0) window += " " + WindowWords(text, f.end, hi, e.window_after, false);
  if (window.empty()) return score;
  std::string padded = " " + window + " ";
  for (const auto& w : e.context) {
    bool found = e.context_whole_word ? padded.find(" " + w + " ") != std::string::npos
                                      : window.find(w) != std::string::npos;
    if (found) {
      *hit = true;
      return std::min(1.0, std::max(score + context_boost_, context_min_score_));
    }
  }
  return score;
}

bool Scanner::RunsPattern(size_t i) const {
  return i < run_of_.size() && run_of_[i] >= 0;
}

void Scanner::FindRuns(std::string_view text, std::vector<std::vector<Window>>* runs) const {
  const size_t n = text.size();
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  size_t covered[64];  // end of run pattern k's last run: triggers before it are done
  std::fill(covered, covered + run_pattern_.size(), size_t{0});
  size_t last_begin[64], last_end[64];  // per alphabet: the last run found
  std::fill(last_begin, last_begin + run_pattern_.size(), size_t{0});
  std::fill(last_end, last_end + run_pattern_.size(), size_t{0});
  for (size_t i = 0; i < n; ++i) {
    uint64_t m = trigger_mask_[t[i]];
    while (m != 0) {
      const int k = __builtin_ctzll(m);
      m &= m - 1;
      if (i < covered[k]) continue;
      if (run_everywhere_[k]) {  // every byte is in the alphabet: the run is the text
        covered[k] = n;
        if (n >= run_min_length_[k]) (*runs)[k].push_back({0, n});
        continue;
      }
      // The maximal run of alphabet bytes around i, shared by patterns of one alphabet.
      // Left: cannot pass the previous run's end, whose byte is outside the alphabet; so
      // every byte is visited once per alphabet.
      const int id = run_alphabet_id_[k];
      size_t a = last_begin[id], e = last_end[id];
      if (i < a || i >= e) {
        const bool* in = run_alphabet_[k].data();
        a = i;
        e = i + 1;
        while (a > 0 && in[t[a - 1]]) --a;
        while (e < n && in[t[e]]) ++e;
        last_begin[id] = a;
        last_end[id] = e;
      }
      covered[k] = e;
      if (e - a >= run_min_length_[k]) (*runs)[k].push_back({a, e});
    }
  }
}

void Scanner::Extract(std::string_view text, size_t pi, const Window* windows, size_t num_windows,
                      std::vector<Finding>* out, ScanStats* stats) const {
  const Compiled& c = *patterns_[pi];
  const EntityDef& e = entities_[c.entity];
  ValidatorContext vctx;
  vctx.text = text;
  vctx.params = &e.validator_params;
  vctx.tlds = &tlds_;
  const size_t n = text.size();
  const int nsub = c.group + 1;
  re2::StringPiece sub[10];
  const re2::StringPiece whole(text.data(), n);
  size_t pos = 0;
  for (size_t w = 0; w < num_windows; ++w) {
    // Matching inside [begin, end) with the whole text as context finds what a whole-text
    // scan finds there: no match crosses the window's edges (see FindRuns).
    const size_t end = windows[w].end;
    pos = std::max(pos, windows[w].begin);
    while (pos <= end) {
      if (!c.re->Match(whole, pos, end, RE2::UNANCHORED, sub, nsub)) break;
      size_t ms = static_cast<size_t>(sub[0].data() - text.data());
      size_t me = ms + sub[0].size();
      size_t next = me > ms ? me : ms + 1;
      if (sub[c.group].data() == nullptr) {  // the reported group did not take part
        pos = next;
        continue;
      }
      size_t s = static_cast<size_t>(sub[c.group].data() - text.data());
      size_t t = s + sub[c.group].size();
      ++stats->candidates;
      if (s > 0 && c.before->test(static_cast<unsigned char>(text[s - 1]))) {
        // A failed look-behind: no match can start where the byte before is in the class, so
        // skip those starts (linear even on a long run of such bytes).
        pos = ms + 1;
        if (c.group == 0)
          while (pos < n && c.before->test(static_cast<unsigned char>(text[pos - 1]))) ++pos;
        continue;
      }
      if (t < n && c.after->test(static_cast<unsigned char>(text[t]))) {
        pos = ms + 1;  // a failed look-ahead: try the next start
        continue;
      }
      Verdict v = Verdict::kUnknown;
      if (c.validator != nullptr) {
        v = c.validator(vctx, &s, &t);
        if (v == Verdict::kRetry) {
          pos = ms + 1;
          continue;
        }
        if (v == Verdict::kInvalid) {
          ++stats->rejected;
          pos = next;
          continue;
        }
      }
      pos = next;
      if (t <= s) continue;
      std::string_view value = text.substr(s, t - s);
      if (!allow_.empty() && allow_.count(std::string(value)) > 0) continue;
      if (!entity_allow_[c.entity].empty() && entity_allow_[c.entity].count(std::string(value)) > 0)
        continue;
      Finding f;
      f.entity = c.entity;
      f.pattern = c.pattern;
      f.start = s;
      f.end = t;
      f.verdict = v;
      double score = v == Verdict::kValid ? e.validated_score : c.score;
      f.score = ContextScore(text, f, score, &f.context);
      f.likelihood = ScoreToLikelihood(f.score, e.thresholds);
      if (f.likelihood < options_.min_likelihood) continue;
      out->push_back(f);
    }
  }
}

Status Scanner::Scan(std::string_view text, std::vector<Finding>* out, ScanStats* stats) const {
  ++stats->texts;
  stats->bytes += static_cast<int64_t>(text.size());
  if (text.empty()) return Status::Ok();
  // Per-thread scratch: no allocation per text once warm.
  thread_local std::vector<std::vector<Window>> runs;
  thread_local std::vector<int> hits;
  thread_local std::vector<Finding> found;
  found.clear();
  hits.clear();
  const Window whole{0, text.size()};
  bool any = false;
  if (!options_.prefilter) {
    for (size_t i = 0; i < patterns_.size(); ++i) Extract(text, i, &whole, 1, &found, stats);
    any = true;
  } else {
    if (runs.size() < run_pattern_.size()) runs.resize(run_pattern_.size());
    for (size_t k = 0; k < run_pattern_.size(); ++k) runs[k].clear();
    if (!run_pattern_.empty()) FindRuns(text, &runs);
    if (set_) {
      RE2::Set::ErrorInfo info{RE2::Set::kNoError};
      bool match = set_->set.Match(re2::StringPiece(text.data(), text.size()), &hits, &info);
      if (options_.simulate_set_out_of_memory) {
        match = false;
        hits.clear();
        info.kind = RE2::Set::kOutOfMemory;
      }
      if (!match && info.kind == RE2::Set::kNotCompiled)
        return Status::Internal("PII pattern set not compiled");
      if (!match && info.kind != RE2::Set::kNoError) {
        // Out of memory or inconsistent: never "no match"; run every Set pattern.
        ++stats->set_fallbacks;
        hits.clear();
        for (size_t j = 0; j < set_patterns_.size(); ++j) hits.push_back(static_cast<int>(j));
      }
      for (int& h : hits) h = set_patterns_[static_cast<size_t>(h)];
    }
    std::sort(hits.begin(), hits.end());
    // Pattern order, as the whole-text loop above: the overlap sort below sees the same input.
    size_t next_hit = 0;
    for (size_t i = 0; i < patterns_.size(); ++i) {
      if (run_of_[i] >= 0) {
        const auto& w = runs[static_cast<size_t>(run_of_[i])];
        if (w.empty()) continue;
        any = true;
        Extract(text, i, w.data(), w.size(), &found, stats);
      } else if (next_hit < hits.size() && hits[next_hit] == static_cast<int>(i)) {
        ++next_hit;
        any = true;
        Extract(text, i, &whole, 1, &found, stats);
      }
    }
  }
  if (any) ++stats->set_hits;
  if (found.empty()) return Status::Ok();

  // Overlap resolution. Longer and higher-scored first at each start; a finding inside a kept
  // one with at least its score is dropped, except an equal span of another entity with an
  // equal score (both are reported, as SDP does); within one entity a partial overlap keeps
  // the first (higher-ranked) finding. Only nearby kept findings are compared, so a text
  // with very many findings stays linear.
  std::sort(found.begin(), found.end(), [](const Finding& a, const Finding& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end > b.end;
    if (a.score != b.score) return a.score > b.score;
    return a.entity < b.entity;
  });
  std::vector<Finding> kept;
  kept.reserve(found.size());
  constexpr size_t kLookBack = 64;
  for (const Finding& f : found) {
    bool drop = false;
    for (size_t k = kept.size(), seen = 0; k-- > 0 && seen < kLookBack && !drop; ++seen) {
      Finding& g = kept[k];
      if (g.end <= f.start) continue;
      bool contains = g.start <= f.start && f.end <= g.end;
      bool same_span = g.start == f.start && g.end == f.end;
      if (contains && g.score >= f.score) {
        if (!(same_span && g.entity != f.entity && g.score == f.score)) drop = true;
      } else if (contains && same_span && g.entity == f.entity) {
        drop = true;
      } else if (g.entity == f.entity && f.start < g.end) {
        if (f.score > g.score && contains) {
          // cannot happen after the sort order, kept for clarity
        } else if (f.score <= g.score) {
          drop = true;
        }
      }
    }
    if (!drop) kept.push_back(f);
  }
  // Code-point offsets: one pass over the starts, then each span's own bytes.
  size_t at = 0, cp = 0;
  for (Finding& f : kept) {
    if (f.start >= at) {
      cp += CodePointOffset(text.substr(at), f.start - at);
    } else {
      cp = CodePointOffset(text, f.start);
    }
    at = f.start;
    f.cp_start = cp;
    f.cp_end = cp + CodePointOffset(text.substr(f.start), f.end - f.start);
  }
  out->insert(out->end(), kept.begin(), kept.end());
  return Status::Ok();
}

}  // namespace mnemo::pii
