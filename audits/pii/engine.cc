#include "audits/pii/engine.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "audits/pii/regex_shape.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MNEMO_PII_X86 1
#include <immintrin.h>
#else
#define MNEMO_PII_X86 0
#endif

#include <re2/re2.h>
#include <re2/set.h>

namespace mnemo::pii {

namespace {
// Gate alphabets at most (see Scanner::gate_min_), and the text words one mask pass covers.
constexpr size_t kMaxGates = 3;
constexpr size_t kMaskWords = 64;
}  // namespace

// A pass's masks at [1, count]; [0] is the word before (gates only) and [count + 1] the word
// after: a run through a word's edge goes on into its neighbors.
struct Scanner::Masks {
  uint64_t trigger[kMaskWords + 2], gated[kMaskWords + 2], gate[kMaxGates][kMaskWords + 2];
};

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
  size_t min_length = 0;  // no match is shorter (0: unknown)
  std::string where;      // "<file>: entity X pattern 'y'", for errors
  // A fixed-length pattern reporting its whole match (regex_shape.h's sequence): Shift-And
  // finds the candidates, RE2 confirms them unless the sequence is exact (FindSequence).
  // seq_length 0: RE2 alone. Bit j of seq_bits[b]: byte b may be at offset j of a match;
  // bit o of seq_words: a word boundary at offset o.
  size_t seq_length = 0;
  bool seq_exact = false;
  uint64_t seq_words = 0;
  std::array<uint64_t, 256> seq_bits{};
};

namespace {

const std::bitset<256> kNoBytes;

// ASCII letters, digits and '_': std::isalnum in the "C" locale, which mnemo never changes
// (a table: the context words' scan tests it on every byte).
struct WordBytes {
  bool is[256] = {};
  constexpr WordBytes() {
    for (int c = 0; c < 256; ++c)
      is[c] = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
  }
};
constexpr WordBytes kWordBytes;
inline bool IsWordByte(unsigned char c) {
  return kWordBytes.is[c];
}

std::string DenyRegex(const std::vector<std::string>& words) {
  std::string r = "\\b(?:";
  for (size_t i = 0; i < words.size(); ++i) r += (i ? "|" : "") + RE2::QuoteMeta(words[i]);
  return r + ")\\b";
}

// Writes at out up to `max_words` lower-cased words of text[from, to) (maximal runs of word
// bytes, cut at the range's edges), the last ones when `backwards` else the first ones, joined
// with single spaces; returns the end of what it wrote (at most 2 (to - from) bytes).
char* WindowWords(std::string_view text, size_t from, size_t to, int max_words, bool backwards,
                  char* out) {
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  size_t begin = from, end = to;
  if (backwards) {  // where the earliest of the last max_words words starts
    size_t i = to;
    int words = 0;
    begin = to;
    while (i > from && words < max_words) {
      while (i > from && !IsWordByte(t[i - 1])) --i;
      size_t e = i;
      while (i > from && IsWordByte(t[i - 1])) --i;
      if (e > i) {
        ++words;
        begin = i;
      }
    }
  }
  size_t i = begin;
  int words = 0;
  bool first = true;
  while (i < end && words < max_words) {
    while (i < end && !IsWordByte(t[i])) ++i;
    size_t st = i;
    while (i < end && IsWordByte(t[i])) ++i;
    if (i == st) continue;
    if (!first) *out++ = ' ';
    first = false;
    ++words;
    for (size_t k = st; k < i; ++k)
      *out++ = static_cast<char>(t[k] >= 'A' && t[k] <= 'Z' ? t[k] + 32 : t[k]);
  }
  return out;
}

// Truffle tables of a byte set (see TruffleMatch): entry low nibble, bit high nibble, for
// bytes below 0x80 in `low` and the others in `high`.
void TruffleTables(const std::bitset<256>& set, uint8_t* low, uint8_t* high) {
  std::fill(low, low + 16, uint8_t{0});
  std::fill(high, high + 16, uint8_t{0});
  for (int b = 0; b < 256; ++b) {
    if (!set.test(static_cast<size_t>(b))) continue;
    if (b < 0x80) {
      low[b & 15] |= static_cast<uint8_t>(1u << (b >> 4));
    } else {
      high[b & 15] |= static_cast<uint8_t>(1u << ((b >> 4) - 8));
    }
  }
}

// Whether `w` occurs in `padded` with a space on both sides.
bool HasWholeWord(std::string_view padded, std::string_view w) {
  for (size_t pos = padded.find(w, 1); pos != std::string_view::npos; pos = padded.find(w, pos + 1))
    if (padded[pos - 1] == ' ' && pos + w.size() < padded.size() && padded[pos + w.size()] == ' ')
      return true;
  return false;
}

}  // namespace

size_t CodePointOffset(std::string_view text, size_t off) {
  off = std::min(off, text.size());
  const char* p = text.data();
  size_t n = 0, i = 0;
  // 8 bytes at a time: a continuation byte has its top bit set and the next one clear; the
  // multiplication sums the per-byte 0/1 flags into the top byte.
  constexpr uint64_t kTop = 0x8080808080808080ULL;
  for (; i + 8 <= off; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    const uint64_t cont = (w & kTop & ~(w << 1)) >> 7;
    n += 8 - static_cast<size_t>((cont * 0x0101010101010101ULL) >> 56);
  }
  for (; i < off; ++i) n += (static_cast<unsigned char>(p[i]) & 0xC0) != 0x80;
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
  // Alphabets below this share of text bytes (digits, separators) form the tier.
  constexpr double kMaxTierRate = 0.2;
  s->run_of_.assign(s->patterns_.size(), -1);
  std::array<uint64_t, 256> trigger_mask{};
  for (size_t i = 0; i < s->patterns_.size(); ++i) {
    RegexShape shape = AnalyzeRegex(sources[i].regex, !sources[i].case_sensitive);
    if (shape.ok) s->patterns_[i]->min_length = shape.min_length;
    Compiled& pc = *s->patterns_[i];
    if (shape.ok && !shape.sequence.empty() && pc.group == 0) {
      pc.seq_length = shape.sequence.size();
      pc.seq_exact = shape.sequence_exact;
      pc.seq_words = shape.word_boundaries;
      for (size_t j = 0; j < pc.seq_length; ++j)
        for (int b = 0; b < 256; ++b)
          if (shape.sequence[j].test(static_cast<size_t>(b))) pc.seq_bits[b] |= uint64_t{1} << j;
    }
    if (!options.use_runs || s->runs_.size() >= 64) continue;
    if (!shape.ok || shape.trigger_rate > kMaxTriggerRate) continue;
    const size_t k = s->runs_.size();
    s->run_of_[i] = static_cast<int>(k);
    RunPattern rp;
    rp.pattern = static_cast<int>(i);
    std::array<bool, 256> alphabet{};
    for (int b = 0; b < 256; ++b) {
      alphabet[b] = shape.alphabet.test(b);
    }
    size_t id = 0;
    while (id < s->alphabets_.size() && s->alphabets_[id] != alphabet) ++id;
    if (id == s->alphabets_.size()) s->alphabets_.push_back(alphabet);
    rp.alphabet = static_cast<int>(id);
    rp.everywhere = shape.alphabet.all();
    rp.min_length = std::max<size_t>(shape.min_length, 1);
    rp.max_length = shape.max_length;
    // Events: the trigger bytes, or one side of a required pair with the other side as a
    // neighbor check, whichever the byte model says is cheaper (ties: the rarer event byte).
    // Cost: an event byte's share times (kCheckCost + the share passing the neighbor check),
    // as looking at a neighbor costs about kCheckCost of the work on an event.
    constexpr double kCheckCost = 0.25;
    std::bitset<256> events = shape.trigger;
    double cost = shape.trigger_rate * (kCheckCost + 1), event_rate = shape.trigger_rate;
    int event_pair = -1;
    for (const BytePair& bp : shape.pairs) {
      RunPattern::Pair pr;
      for (int b = 0; b < 256; ++b) {
        pr.first[b] = bp.first.test(b);
        pr.second[b] = bp.second.test(b);
        if (pr.first[b]) pr.only_first = bp.first.count() == 1 ? b : -1;
      }
      TruffleTables(bp.first, pr.first_low.data(), pr.first_high.data());
      TruffleTables(bp.second, pr.second_low.data(), pr.second_high.data());
      rp.pairs.push_back(pr);
      const double rf = ByteSetRate(bp.first), rs = ByteSetRate(bp.second);
      const bool use_first = rf <= rs;
      // Bytes that come in runs (digits, dashes) say little about their neighbor: a pair
      // whose sides overlap is taken as no rarer than its event byte.
      const double er = use_first ? rf : rs;
      const double pass = (bp.first & bp.second).any() ? 1.0 : use_first ? rs : rf;
      const double c = er * (kCheckCost + pass);
      if (c < cost || (c == cost && er < event_rate)) {
        cost = c;
        event_rate = er;
        event_pair = static_cast<int>(rp.pairs.size()) - 1;
        events = use_first ? bp.first : bp.second;
        rp.neighbor = use_first ? 1 : -1;
        rp.gap = 0;
        for (int b = 0; b < 256; ++b)
          rp.neighbor_set[b] = use_first ? bp.second.test(b) : bp.first.test(b);
      }
    }
    // Or a gapped pair's byte, its far end looked for past the fill bytes (cost as a pair's).
    for (const GappedPair& gp : shape.gapped) {
      const double rf = ByteSetRate(gp.first), rs = ByteSetRate(gp.second);
      const bool use_first = rf <= rs;
      const double er = use_first ? rf : rs;
      const double c = er * (kCheckCost + (use_first ? rs : rf));
      if (c < cost || (c == cost && er < event_rate)) {
        cost = c;
        event_rate = er;
        event_pair = -1;
        events = use_first ? gp.first : gp.second;
        rp.neighbor = use_first ? 1 : -1;
        const std::bitset<256>& far = use_first ? gp.second : gp.first;
        rp.gap = gp.gap;
        for (int b = 0; b < 256; ++b) {
          rp.gap_fill[b] = gp.fill.test(b);
          rp.gap_end[b] = far.test(b);
          rp.neighbor_set[b] = rp.gap_fill[b] || rp.gap_end[b];
        }
      }
    }
    // The event's pair holds at every event, inside its window (a pair's bytes are alphabet
    // bytes, and a pattern with pairs matches 2 bytes or more): no need to look for it again.
    if (event_pair >= 0) rp.pairs[static_cast<size_t>(event_pair)].is_event = true;
    for (int b = 0; b < 256; ++b)
      if (events.test(b)) trigger_mask[b] |= uint64_t{1} << k;
    rp.sparse = ByteSetRate(shape.alphabet) <= kMaxTierRate;
    rp.exact_sequence = s->patterns_[i]->seq_length != 0 && s->patterns_[i]->seq_exact;
    if (rp.sparse)
      for (int b = 0; b < 256; ++b) s->tier_alphabet_[b] = s->tier_alphabet_[b] || alphabet[b];
    s->runs_.push_back(std::move(rp));
  }
  for (size_t k = 0; k < s->runs_.size(); ++k) {
    const RunPattern& rp = s->runs_[k];
    const uint64_t bit = uint64_t{1} << k;
    if (rp.neighbor != -1) s->no_prev_ |= bit;
    if (rp.neighbor != 1) s->no_next_ |= bit;
    for (int b = 0; b < 256; ++b) {
      if (rp.neighbor != -1 || rp.neighbor_set[b]) s->prev_ok_[b] |= bit;
      if (rp.neighbor != 1 || rp.neighbor_set[b]) s->next_ok_[b] |= bit;
    }
  }
  // Trigger classes: bytes that trigger the same run patterns.
  s->class_mask_.assign(1, 0);
  for (int b = 0; b < 256; ++b) {
    if (trigger_mask[b] == 0) continue;
    size_t c = 1;
    while (c < s->class_mask_.size() && s->class_mask_[c] != trigger_mask[b]) ++c;
    if (c == s->class_mask_.size()) s->class_mask_.push_back(trigger_mask[b]);
    s->trigger_class_[b] = static_cast<uint8_t>(c);
  }
  auto truffle = [](const std::array<bool, 256>& table) {
    std::bitset<256> set;
    for (int b = 0; b < 256; ++b) set[static_cast<size_t>(b)] = table[static_cast<size_t>(b)];
    std::array<uint8_t, 32> out{};
    TruffleTables(set, out.data(), out.data() + 16);
    return out;
  };
  for (const auto& a : s->alphabets_) s->alphabet_truffles_.push_back(truffle(a));
  s->tier_truffle_ = truffle(s->tier_alphabet_);
  std::bitset<256> any_trigger;
  for (int b = 0; b < 256; ++b) any_trigger[b] = s->trigger_class_[b] != 0;
  TruffleTables(any_trigger, s->trigger_truffle_.data(), s->trigger_truffle_.data() + 16);
#if MNEMO_PII_X86
  s->use_avx2_ = options.use_simd && __builtin_cpu_supports("avx2");
#endif
  s->class_sparse_.assign(s->class_mask_.size(), 0);
  s->class_tier_min_.assign(s->class_mask_.size(), 0);
  for (size_t c = 1; c < s->class_mask_.size(); ++c) {
    size_t min_length = static_cast<size_t>(-1);
    for (size_t k = 0; k < s->runs_.size(); ++k) {
      if ((s->class_mask_[c] >> k & 1) == 0 || !s->runs_[k].sparse) continue;
      s->class_sparse_[c] |= uint64_t{1} << k;
      min_length = std::min(min_length, s->runs_[k].min_length);
    }
    s->class_tier_min_[c] = min_length;
  }

  // Gates: the classes with the most expected events first, while their gate alphabets fit.
  // A run pattern needs a run of its alphabet (the tier's for a sparse one) at least
  // min_length long; an alphabet this common or a run this short would pass nearly every
  // byte, so such a class is not gated.
  constexpr size_t kMinGateRun = 6;
  constexpr double kMaxGateRate = 0.8;
  auto to_set = [](const std::array<bool, 256>& table) {
    std::bitset<256> set;
    for (int b = 0; b < 256; ++b) set[static_cast<size_t>(b)] = table[static_cast<size_t>(b)];
    return set;
  };
  std::vector<std::pair<double, size_t>> busiest;
  for (size_t c = 1; c < s->class_mask_.size(); ++c) {
    std::bitset<256> bytes;
    for (int b = 0; b < 256; ++b) bytes[static_cast<size_t>(b)] = s->trigger_class_[b] == c;
    busiest.emplace_back(ByteSetRate(bytes), c);
  }
  std::stable_sort(busiest.begin(), busiest.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::bitset<256>> gate_sets;
  std::bitset<256> gated;
  for (const auto& [rate, c] : busiest) {
    std::vector<std::bitset<256>> sets = gate_sets;
    std::vector<size_t> mins = s->gate_min_;
    bool ok = true;
    for (uint64_t m = s->class_mask_[c]; m != 0 && ok; m &= m - 1) {
      const RunPattern& rp = s->runs_[static_cast<size_t>(__builtin_ctzll(m))];
      const std::bitset<256> g =
          to_set(rp.sparse ? s->tier_alphabet_ : s->alphabets_[static_cast<size_t>(rp.alphabet)]);
      ok = !rp.everywhere && rp.min_length >= kMinGateRun && ByteSetRate(g) <= kMaxGateRate;
      if (!ok) break;
      // Runs of up to 64 bytes are found with the neighboring mask words only.
      const size_t run = std::min<size_t>(rp.min_length, 64);
      size_t j = 0;
      while (j < sets.size() && sets[j] != g) ++j;
      if (j == sets.size()) {
        sets.push_back(g);
        mins.push_back(run);
      }
      mins[j] = std::min(mins[j], run);
    }
    if (!ok || sets.size() > kMaxGates) continue;
    gate_sets = std::move(sets);
    s->gate_min_ = std::move(mins);
    for (int b = 0; b < 256; ++b)
      if (s->trigger_class_[b] == c) gated.set(static_cast<size_t>(b));
  }
  // A gate inside another (a smaller alphabet, a run at least as long) passes no byte the
  // other does not: one mask less to compute.
  for (size_t j = 0; j < gate_sets.size();) {
    bool inside = false;
    for (size_t o = 0; o < gate_sets.size() && !inside; ++o)
      inside = o != j && (gate_sets[j] & ~gate_sets[o]).none() &&
               s->gate_min_[o] <= s->gate_min_[j] && (gate_sets[j] != gate_sets[o] || o < j);
    if (inside) {
      gate_sets.erase(gate_sets.begin() + static_cast<std::ptrdiff_t>(j));
      s->gate_min_.erase(s->gate_min_.begin() + static_cast<std::ptrdiff_t>(j));
    } else {
      ++j;
    }
  }
  if (!s->gate_min_.empty()) {
    std::vector<std::bitset<256>> tables = {gated};
    tables.insert(tables.end(), gate_sets.begin(), gate_sets.end());
    for (const auto& set : tables) {
      std::array<uint8_t, 32> t{};
      TruffleTables(set, t.data(), t.data() + 16);
      s->gate_truffles_.push_back(t);
    }
  }
  for (int b = 0; b < 256; ++b) {
    uint8_t f = s->trigger_class_[b] != 0 ? 1 : 0;
    if (gated.test(static_cast<size_t>(b))) f |= 2;
    for (size_t j = 0; j < gate_sets.size(); ++j)
      if (gate_sets[j].test(static_cast<size_t>(b))) f |= static_cast<uint8_t>(4u << j);
    s->byte_flags_[b] = f;
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
  // The words around the finding, " before after " (the padding for whole-word checks), on
  // the stack unless the context reaches far.
  const size_t most = 2 * (f.start - lo) + 2 * (hi - f.end) + 4;
  char stack[1100];
  std::string heap;
  char* buf = stack;
  if (most > sizeof stack) {
    heap.resize(most);
    buf = heap.data();
  }
  char* p = buf;
  *p++ = ' ';
  if (e.window_before > 0) p = WindowWords(text, lo, f.start, e.window_before, true, p);
  if (e.window_after > 0) {
    *p++ = ' ';
    p = WindowWords(text, f.end, hi, e.window_after, false, p);
  }
  if (p - buf == 1) return score;
  *p++ = ' ';
  const std::string_view padded(buf, static_cast<size_t>(p - buf));
  const std::string_view window = padded.substr(1, padded.size() - 2);
  for (const auto& w : e.context) {
    bool found =
        e.context_whole_word ? HasWholeWord(padded, w) : window.find(w) != std::string_view::npos;
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

#if MNEMO_PII_X86
namespace {

// 0xFF in the bytes of v that are in the set of truffle tables low/high (Hyperscan's
// "truffle": a byte's low nibble picks a table entry, its high nibble a bit of it).
__attribute__((target("avx2"))) inline __m256i TruffleMatch(__m256i v, __m256i low, __m256i high) {
  const __m256i top = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i bits = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128,
                                        1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  // pshufb gives 0 where the index byte has its top bit set: `low` answers bytes below 0x80,
  // `high` (indexed by the byte with its top bit flipped) the others.
  const __m256i lo = _mm256_shuffle_epi8(low, v);
  const __m256i hi = _mm256_shuffle_epi8(high, _mm256_xor_si256(v, top));
  const __m256i bit = _mm256_shuffle_epi8(bits, _mm256_andnot_si256(top, _mm256_srli_epi64(v, 4)));
  const __m256i hit = _mm256_and_si256(_mm256_or_si256(lo, hi), bit);
  return _mm256_xor_si256(_mm256_cmpeq_epi8(hit, _mm256_setzero_si256()), _mm256_set1_epi8(-1));
}

__attribute__((target("avx2"))) inline __m256i Tables(const uint8_t* t16) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t16)));
}

// For `words` words of 64 bytes at p: out[k][w] bit j set when p[64 w + j] is in the set of
// truffle tables tables[k] (low nibble table, then high), for k < num_tables.
__attribute__((target("avx2"))) void MaskWordsAvx2(const unsigned char* p, size_t words,
                                                   const uint8_t* const* tables, size_t num_tables,
                                                   uint64_t* const* out) {
  for (size_t k = 0; k < num_tables; ++k) {
    const __m256i low = Tables(tables[k]), high = Tables(tables[k] + 16);
    uint64_t* o = out[k];
    for (size_t w = 0; w < words; ++w) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64 * w));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64 * w + 32));
      const uint32_t ma = static_cast<uint32_t>(_mm256_movemask_epi8(TruffleMatch(a, low, high)));
      const uint32_t mb = static_cast<uint32_t>(_mm256_movemask_epi8(TruffleMatch(b, low, high)));
      o[w] = uint64_t{ma} | uint64_t{mb} << 32;
    }
  }
}

// Whether p[j] is in the first set and p[j + 1] in the second for some j + 1 < len; looks at
// the first len - len % 32 - 1 pair starts at most (*done says how many it looked at).
__attribute__((target("avx2"))) bool HasPairAvx2(const unsigned char* p, size_t len,
                                                 const uint8_t* fl, const uint8_t* fh,
                                                 const uint8_t* sl, const uint8_t* sh,
                                                 size_t* done) {
  const __m256i first_low = Tables(fl), first_high = Tables(fh);
  const __m256i second_low = Tables(sl), second_high = Tables(sh);
  size_t j = 0;
  for (; j + 33 <= len; j += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + j));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + j + 1));
    const __m256i hit = _mm256_and_si256(TruffleMatch(a, first_low, first_high),
                                         TruffleMatch(b, second_low, second_high));
    if (_mm256_movemask_epi8(hit) != 0) {
      *done = j;
      return true;
    }
  }
  *done = j;
  return false;
}

// Widens [*lo, *hi) to the maximal run of bytes of a set around it: `in` as a byte table and
// as truffle tables (low nibble table, then high).
__attribute__((target("avx2"))) void ExtendRunAvx2(const unsigned char* t, size_t n, const bool* in,
                                                   const uint8_t* truffle, size_t* lo, size_t* hi) {
  const __m256i low = Tables(truffle), high = Tables(truffle + 16);
  size_t h = *hi;
  while (true) {
    if (h + 32 > n) {
      while (h < n && in[t[h]]) ++h;
      break;
    }
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + h));
    const uint32_t out = ~static_cast<uint32_t>(_mm256_movemask_epi8(TruffleMatch(v, low, high)));
    if (out != 0) {
      h += static_cast<size_t>(__builtin_ctz(out));
      break;
    }
    h += 32;
  }
  size_t l = *lo;
  while (true) {
    if (l < 32) {
      while (l > 0 && in[t[l - 1]]) --l;
      break;
    }
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + l - 32));
    const uint32_t out = ~static_cast<uint32_t>(_mm256_movemask_epi8(TruffleMatch(v, low, high)));
    if (out != 0) {
      l = l - 32 + static_cast<size_t>(31 - __builtin_clz(out)) + 1;
      break;
    }
    l -= 32;
  }
  *lo = l;
  *hi = h;
}

}  // namespace
#endif

namespace {

// hi:lo shifted right (left) by 0 < step < 64.
inline void ShiftRight(uint64_t* hi, uint64_t* lo, size_t step) {
  *lo = *lo >> step | *hi << (64 - step);
  *hi >>= step;
}
inline void ShiftLeft(uint64_t* hi, uint64_t* lo, size_t step) {
  *hi = *hi << step | *lo >> (64 - step);
  *lo <<= step;
}

// Bits p of `lo` where bits p .. p + len - 1 of hi:lo are all set (runs of at least len
// starting in lo); 1 <= len <= 64.
inline uint64_t RunStarts(uint64_t lo, uint64_t hi, size_t len) {
  for (size_t have = 1; have < len;) {
    const size_t step = std::min(have, len - have);
    uint64_t h = hi, l = lo;
    ShiftRight(&h, &l, step);
    hi &= h;
    lo &= l;
    have += step;
  }
  return lo;
}

// Bits of a word covered by a run of len bits that starts at a bit of prev:starts (the
// previous word's starts, then its own); 1 <= len <= 64.
inline uint64_t RunCover(uint64_t prev, uint64_t starts, size_t len) {
  for (size_t have = 1; have < len;) {
    const size_t step = std::min(have, len - have);
    uint64_t h = starts, l = prev;
    ShiftLeft(&h, &l, step);
    starts |= h;
    prev |= l;
    have += step;
  }
  return starts;
}

}  // namespace

void Scanner::ComputeMasks(const unsigned char* t, size_t n, size_t first_word, size_t words,
                           Masks* out, size_t at) const {
  const size_t num_gates = gate_min_.size();
  uint64_t* dest[2 + kMaxGates] = {out->trigger + at, out->gated + at};
  for (size_t j = 0; j < num_gates; ++j) dest[2 + j] = out->gate[j] + at;
  const size_t num_masks = num_gates == 0 ? 1 : 2 + num_gates;
  // Whole words inside the text.
  const size_t begin = first_word * 64;
  const size_t full = begin >= n ? 0 : std::min(words, (n - begin) / 64);
  size_t w = 0;
#if MNEMO_PII_X86
  if (use_avx2_) {
    const uint8_t* tables[2 + kMaxGates] = {trigger_truffle_.data()};
    for (size_t k = 1; k < num_masks; ++k) tables[k] = gate_truffles_[k - 1].data();
    if (full > 0) MaskWordsAvx2(t + begin, full, tables, num_masks, dest);
    w = full;
    // A last partial word: its bytes in a zeroed word, the bits past the text cleared.
    const size_t at_byte = begin + 64 * w;
    if (w < words && at_byte < n) {
      alignas(32) unsigned char tail[64] = {};
      const size_t len = n - at_byte;
      std::memcpy(tail, t + at_byte, len);
      uint64_t* one[2 + kMaxGates];
      for (size_t k = 0; k < num_masks; ++k) one[k] = dest[k] + w;
      MaskWordsAvx2(tail, 1, tables, num_masks, one);
      const uint64_t keep = (uint64_t{1} << len) - 1;  // len < 64
      for (size_t k = 0; k < num_masks; ++k) dest[k][w] &= keep;
      ++w;
    }
  }
#endif
  // The rest byte by byte (bytes past the text's end are in no set).
  for (; w < words; ++w) {
    uint64_t acc[2 + kMaxGates] = {};
    const size_t at_byte = begin + 64 * w;
    const size_t len = at_byte >= n ? 0 : std::min<size_t>(64, n - at_byte);
    for (size_t b = 0; b < len; ++b) {
      const uint64_t f = byte_flags_[t[at_byte + b]];
      for (size_t k = 0; k < num_masks; ++k) acc[k] |= (f >> k & 1) << b;
    }
    for (size_t k = 0; k < num_masks; ++k) dest[k][w] = acc[k];
  }
}

bool Scanner::GapHolds(const unsigned char* t, size_t n, size_t i, const RunPattern& rp) {
  for (size_t d = 1; d <= rp.gap + 1; ++d) {
    if (rp.neighbor < 0 ? i < d : i + d >= n) return false;
    const unsigned char b = t[rp.neighbor < 0 ? i - d : i + d];
    if (rp.gap_end[b]) return true;
    if (!rp.gap_fill[b]) return false;
  }
  return false;
}

bool Scanner::HasPairs(const unsigned char* t, size_t begin, size_t end,
                       const RunPattern& rp) const {
  for (const RunPattern::Pair& p : rp.pairs) {
    if (p.is_event) continue;
    bool found = false;
    size_t i = begin;
    if (p.only_first >= 0) {
      const unsigned char* at = t + begin;
      const unsigned char* last = t + end - 1;  // the first byte of a pair comes before it
      while (at < last) {
        at = static_cast<const unsigned char*>(std::memchr(at, p.only_first, last - at));
        if (at == nullptr) break;
        if (p.second[at[1]]) {
          found = true;
          break;
        }
        ++at;
      }
      i = end;
    }
#if MNEMO_PII_X86
    if (!found && i < end && use_avx2_) {
      size_t done = 0;
      found = HasPairAvx2(t + begin, end - begin, p.first_low.data(), p.first_high.data(),
                          p.second_low.data(), p.second_high.data(), &done);
      i = begin + done;
    }
#endif
    for (; i + 1 < end && !found; ++i) found = p.first[t[i]] && p.second[t[i + 1]];
    if (!found) return false;
  }
  return true;
}

uint64_t Scanner::FindRuns(std::string_view text, std::vector<std::vector<Window>>* runs) const {
  // Windows this close are run as one: a regex call costs about as much as scanning this many
  // bytes, and the bytes between hold no match.
  constexpr size_t kMergeGap = 48;
  const size_t n = text.size();
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  const size_t num_runs = runs_.size();
  uint64_t given = 0;
  // covered[k]: events of run pattern k before it need no work (their windows are done).
  size_t covered[64];
  std::fill(covered, covered + num_runs, size_t{0});
  // skip[c]: every run pattern of trigger class c needs no work before it (a lower bound).
  size_t skip[256];
  std::fill(skip, skip + class_mask_.size(), size_t{0});
  // Per alphabet: the last maximal run found, [run_begin, run_end).
  size_t run_begin[64], run_end[64];
  std::fill(run_begin, run_begin + alphabets_.size(), size_t{0});
  std::fill(run_end, run_end + alphabets_.size(), size_t{0});
  size_t tier_begin = 0, tier_end = 0;

  // Widens [*lo, *hi) to the maximal run of bytes in `in` around it.
  auto ExtendRun = [&](const unsigned char* t, size_t n, const bool* in, const uint8_t* truffle,
                       size_t* lo, size_t* hi) {
#if MNEMO_PII_X86
    if (use_avx2_) {
      ExtendRunAvx2(t, n, in, truffle, lo, hi);
      return;
    }
#endif
    (void)truffle;
    while (*lo > 0 && in[t[*lo - 1]]) --*lo;
    while (*hi < n && in[t[*hi]]) ++*hi;
  };

  auto event = [&](size_t i, unsigned c) {
    uint64_t m = class_mask_[c];
    size_t low = n;
    // Patterns whose neighbor check fails: not an event for them here; the next byte may be.
    if ((m & ~(no_prev_ & no_next_)) != 0) {  // some pattern has a neighbor check
      const uint64_t ok =
          m & (i > 0 ? prev_ok_[t[i - 1]] : no_prev_) & (i + 1 < n ? next_ok_[t[i + 1]] : no_next_);
      if (ok != m) low = i + 1;
      m = ok;
    }
    if ((m & class_sparse_[c]) != 0) {
      if (i < tier_begin || i >= tier_end) {
        tier_begin = i;
        tier_end = i + 1;
        ExtendRun(t, n, tier_alphabet_.data(), tier_truffle_.data(), &tier_begin, &tier_end);
      }
      if (tier_end - tier_begin < class_tier_min_[c]) {
        m &= ~class_sparse_[c];  // too short for every sparse pattern of this class
        low = std::min(low, tier_end);
      }
    }
    while (m != 0) {
      const int k = __builtin_ctzll(m);
      m &= m - 1;
      if (i < covered[k]) {
        low = std::min(low, covered[k]);
        continue;
      }
      const RunPattern& rp = runs_[static_cast<size_t>(k)];
      if (rp.gap != 0 && !GapHolds(t, n, i, rp)) {
        low = std::min(low, i + 1);  // not an event of k; the next byte may be
        continue;
      }
      if (rp.sparse && tier_end - tier_begin < rp.min_length) {
        // Its alphabet's run lies in the tier run around i: too short, as for every event of
        // k up to the tier run's end.
        covered[k] = tier_end;
        low = std::min(low, tier_end);
        continue;
      }
      size_t a = 0, e = n;
      if (!rp.everywhere) {
        // The maximal run of alphabet bytes around i, shared by patterns of one alphabet.
        const size_t id = static_cast<size_t>(rp.alphabet);
        if (i < run_begin[id] || i >= run_end[id]) {
          run_begin[id] = i;
          run_end[id] = i + 1;
          ExtendRun(t, n, alphabets_[id].data(), alphabet_truffles_[id].data(), &run_begin[id],
                    &run_end[id]);
        }
        a = run_begin[id];
        e = run_end[id];
      }
      // A match holding the event at j lies in [j + 1 - max, j + max). The window holds those
      // of every event j in [i, i + max]: later events of k need no work up to there. A run no
      // longer than the window is taken whole.
      size_t wa = a, we = e;
      if (rp.max_length < n && e - a > 3 * rp.max_length) {
        if (i + 1 > rp.max_length) wa = std::max(a, i + 1 - rp.max_length);
        we = std::min(e, i + 2 * rp.max_length);
      }
      covered[k] = we == e ? e : i + rp.max_length + 1;
      low = std::min(low, covered[k]);
      // An exact sequence matches about as fast as the pairs are looked for: it decides.
      if (we - wa < rp.min_length || (!rp.exact_sequence && !HasPairs(t, wa, we, rp))) continue;
      std::vector<Window>& w = (*runs)[static_cast<size_t>(k)];
      given |= uint64_t{1} << k;
      if (!w.empty() && wa <= w.back().end + kMergeGap) {
        w.back().end = std::max(w.back().end, we);
      } else {
        w.push_back({wa, we});
      }
    }
    skip[c] = low;
  };

  // Trigger bytes as bit masks of 64 bytes a word (AVX2 where the CPU has it), a pass of
  // words at a time; gated bytes outside every gate's long runs are dropped (see gate_min_).
  const size_t num_gates = gate_min_.size();
  const size_t total = (n + 63) / 64;
  Masks masks;
  for (size_t j = 0; j < num_gates; ++j) masks.gate[j][0] = 0;  // before the text
  // starts[j]: gate j's run starts in word starts_at[j] (RunStarts), kept for the next word.
  uint64_t starts[kMaxGates] = {};
  size_t starts_at[kMaxGates];
  std::fill(starts_at, starts_at + kMaxGates, static_cast<size_t>(-1));
  for (size_t w0 = 0; w0 < total; w0 += kMaskWords) {
    const size_t count = std::min(kMaskWords, total - w0);
    if (w0 > 0)  // the last word of the previous pass
      for (size_t j = 0; j < num_gates; ++j) masks.gate[j][0] = masks.gate[j][kMaskWords];
    ComputeMasks(t, n, w0, count + 1, &masks, 1);
    for (size_t w = 1; w <= count; ++w) {
      uint64_t bits = masks.trigger[w];
      const uint64_t gated = num_gates == 0 ? 0 : bits & masks.gated[w];
      if (gated != 0) {
        const size_t word = w0 + w - 1;
        uint64_t live = 0;
        for (size_t j = 0; j < num_gates && (gated & ~live) != 0; ++j) {
          const uint64_t* g = masks.gate[j];
          if ((gated & g[w]) == 0) continue;  // a gate's runs hold only its alphabet's bytes
          const size_t len = gate_min_[j];
          const uint64_t prev =
              starts_at[j] + 1 == word ? starts[j] : RunStarts(g[w - 1], g[w], len);
          starts[j] = RunStarts(g[w], g[w + 1], len);
          starts_at[j] = word;
          live |= RunCover(prev, starts[j], len);
        }
        bits &= ~gated | live;
      }
      const size_t base = (w0 + w - 1) * 64;
      while (bits != 0) {
        const size_t i = base + static_cast<size_t>(__builtin_ctzll(bits));
        bits &= bits - 1;
        const unsigned c = trigger_class_[t[i]];
        if (i >= skip[c]) event(i, c);
      }
    }
  }
  return given;
}

namespace {

// Whether RE2's \b holds at byte offset `at` of t[0, n).
inline bool WordBoundary(const unsigned char* t, size_t n, size_t at) {
  return (at > 0 && IsWordByte(t[at - 1])) != (at < n && IsWordByte(t[at]));
}

}  // namespace

bool Scanner::FindSequence(const Compiled& c, std::string_view text, size_t pos, size_t end,
                           size_t* start) const {
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size(), len = c.seq_length;
  const uint64_t last = uint64_t{1} << (len - 1);
  uint64_t d = 0;  // bit j: the bytes up to here hold offsets 0 .. j of a match
  for (size_t i = pos; i < end; ++i) {
    d = (d << 1 | 1) & c.seq_bits[t[i]];
    if ((d & last) == 0) continue;
    const size_t s = i + 1 - len;
    bool ok = true;
    for (uint64_t w = c.seq_words; w != 0 && ok; w &= w - 1)
      ok = WordBoundary(t, n, s + static_cast<size_t>(__builtin_ctzll(w)));
    if (ok && !c.seq_exact)
      ok = c.re->Match(re2::StringPiece(text.data(), n), s, s + len, RE2::ANCHOR_BOTH, nullptr, 0);
    if (ok) {
      *start = s;
      return true;
    }
  }
  return false;
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
  // The one-regex-at-a-time baseline stays RE2 alone: the reference the fast paths are
  // tested against.
  const bool sequence = c.seq_length != 0 && options_.prefilter;
  size_t pos = 0;
  for (size_t w = 0; w < num_windows; ++w) {
    // Matching inside [begin, end) with the whole text as context finds what a whole-text
    // scan finds there: no match crosses the window's edges (see FindRuns).
    const size_t end = windows[w].end;
    pos = std::max(pos, windows[w].begin);
    while (pos <= end && end - pos >= c.min_length) {
      size_t ms = 0, me = 0, s = 0, t = 0, next = 0;
      if (sequence) {  // the leftmost match, as RE2's would be (group 0: the whole match)
        if (!FindSequence(c, text, pos, end, &ms)) break;
        me = ms + c.seq_length;
        next = me;
        s = ms;
        t = me;
      } else {
        if (!c.re->Match(whole, pos, end, RE2::UNANCHORED, sub, nsub)) break;
        ms = static_cast<size_t>(sub[0].data() - text.data());
        me = ms + sub[0].size();
        next = me > ms ? me : ms + 1;
        if (sub[c.group].data() == nullptr) {  // the reported group did not take part
          pos = next;
          continue;
        }
        s = static_cast<size_t>(sub[c.group].data() - text.data());
        t = s + sub[c.group].size();
      }
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
    // Only the run patterns given windows are touched: most texts give few of them.
    thread_local uint64_t dirty = 0;  // runs[k] left with windows (by any scanner)
    for (; dirty != 0; dirty &= dirty - 1)
      runs[static_cast<size_t>(__builtin_ctzll(dirty))].clear();
    if (runs.size() < runs_.size()) runs.resize(runs_.size());
    const uint64_t given = runs_.empty() ? 0 : FindRuns(text, &runs);
    dirty = given;
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
    // Run patterns are numbered in pattern order; the Set's hits are sorted.
    size_t next_hit = 0;
    for (uint64_t g = given; g != 0 || next_hit < hits.size();) {
      const size_t k = g != 0 ? static_cast<size_t>(__builtin_ctzll(g)) : 0;
      const int run_pattern = g != 0 ? runs_[k].pattern : static_cast<int>(patterns_.size());
      any = true;
      if (next_hit < hits.size() && hits[next_hit] < run_pattern) {
        Extract(text, static_cast<size_t>(hits[next_hit++]), &whole, 1, &found, stats);
      } else {
        Extract(text, static_cast<size_t>(run_pattern), runs[k].data(), runs[k].size(), &found,
                stats);
        g &= g - 1;
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
  thread_local std::vector<Finding> kept;
  kept.clear();
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
