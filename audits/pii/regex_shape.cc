#include "audits/pii/regex_shape.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace mnemo::pii {
namespace {

using Bytes = std::bitset<256>;

constexpr size_t kUnbounded = RegexShape::kUnbounded;
constexpr size_t kMaxPairs = 4;   // required pairs kept per sub-expression
constexpr size_t kMaxGapped = 2;  // required gapped pairs kept per sub-expression
constexpr size_t kMaxGap = 8;     // longest gap a gapped pair bridges

// What the analysis knows about a sub-expression.
struct Info {
  Bytes alphabet;        // every byte a match of it may consume
  bool nullable = true;  // it may match the empty string
  Bytes trigger;         // valid only when !nullable: every match has one of these bytes
  size_t min_length = 0;
  size_t max_length = 0;
  Bytes first, last;               // bytes a non-empty match may begin / end with
  std::vector<BytePair> pairs;     // valid only when !nullable: required adjacent pairs
  std::vector<GappedPair> gapped;  // valid only when !nullable: required gapped pairs
  // A fixed-length sequence of classes (RegexShape::sequence) when seq_ok: seq[j] at offset
  // j, \b at the offsets with a bit in words, exact as RegexShape::sequence_exact.
  bool seq_ok = true;
  std::vector<Bytes> seq;
  uint64_t words = 0;
  bool exact = true;
};

double Rate(const Bytes& b) {
  double r = 0;
  for (int c = 0; c < 256; ++c)
    if (b.test(c)) r += ByteRate(static_cast<unsigned char>(c));
  return r;
}

double PairRate(const BytePair& p) {
  return Rate(p.first) * Rate(p.second);
}

// Adds `p` to `pairs` unless already there; keeps the kMaxPairs rarest.
void AddPair(std::vector<BytePair>* pairs, const BytePair& p) {
  if (p.first.none() || p.second.none()) return;
  for (const auto& q : *pairs)
    if (q.first == p.first && q.second == p.second) return;
  pairs->push_back(p);
  std::stable_sort(pairs->begin(), pairs->end(),
                   [](const BytePair& a, const BytePair& b) { return PairRate(a) < PairRate(b); });
  if (pairs->size() > kMaxPairs) pairs->resize(kMaxPairs);
}

// Adds `g` to `gapped`; keeps the kMaxGapped rarest (by their two ends).
void AddGapped(std::vector<GappedPair>* gapped, const GappedPair& g) {
  if (g.first.none() || g.second.none()) return;
  gapped->push_back(g);
  auto rate = [](const GappedPair& x) { return Rate(x.first) * Rate(x.second); };
  std::stable_sort(gapped->begin(), gapped->end(),
                   [&](const GappedPair& a, const GappedPair& b) { return rate(a) < rate(b); });
  if (gapped->size() > kMaxGapped) gapped->resize(kMaxGapped);
}

size_t SatMul(size_t a, size_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kUnbounded / b ? kUnbounded : a * b;
}

Bytes Range(int lo, int hi) {
  Bytes b;
  for (int c = lo; c <= hi; ++c) b.set(c);
  return b;
}

// Whether a class means the same byte set to RE2 as to this analysis: Fold only guesses
// for bytes >= 0x80 (Latin-1 letters), so a class that holds some but not all of them is
// not trusted.
bool ExactClass(const Bytes& b) {
  const Bytes high = ~Range(0, 0x7F);
  const Bytes h = b & high;
  return h.none() || h == high;
}

// Adds the other case of every letter (ASCII, and Latin-1 letters loosely: a superset).
Bytes Fold(Bytes b) {
  Bytes out = b;
  for (int c = 0; c < 256; ++c) {
    if (!b.test(c)) continue;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0xC0) {
      out.set(c | 0x20);
      out.set(c & ~0x20);
    }
  }
  return out;
}

Info Atom(const Bytes& b) {
  Info i;
  i.alphabet = b;
  i.nullable = false;
  i.trigger = b;
  i.min_length = 1;
  i.max_length = 1;
  i.first = b;
  i.last = b;
  i.seq.assign(1, b);
  i.exact = ExactClass(b);
  return i;
}

// An empty-width assertion: \b (a word boundary at offset 0) or another one (^, $, \A, \z,
// \B), which a sequence of classes does not model exactly.
Info Assertion(bool word_boundary) {
  Info i;
  if (word_boundary) {
    i.words = 1;
  } else {
    i.exact = false;
  }
  return i;
}

size_t SatAdd(size_t a, size_t b) {
  return a > std::numeric_limits<size_t>::max() - b ? std::numeric_limits<size_t>::max() : a + b;
}

class Parser {
 public:
  Parser(const std::string& re, bool fold) : re_(re), fold_(fold) {}

  bool Run(Info* out) {
    *out = Alternation();
    if (failed_) return false;
    if (at_ != re_.size()) return Fail("unbalanced ')'");
    return true;
  }
  const std::string& why() const { return why_; }

 private:
  bool Fail(const std::string& why) {
    if (!failed_) why_ = why;
    failed_ = true;
    return false;
  }
  bool More() const { return at_ < re_.size() && !failed_; }
  unsigned char Peek() const { return static_cast<unsigned char>(re_[at_]); }

  Info Alternation() {
    bool saved = fold_;  // flags set inside a group end with it
    Info acc = Concatenation();
    while (More() && Peek() == '|') {
      ++at_;
      Info next = Concatenation();
      acc.alphabet |= next.alphabet;
      acc.gapped.clear();  // not tracked across alternatives
      if (acc.nullable || next.nullable) {
        acc.nullable = true;
        acc.pairs.clear();
      } else {
        acc.trigger |= next.trigger;
        // A pair every branch has: the union of the rarest pair of each.
        if (acc.pairs.empty() || next.pairs.empty()) {
          acc.pairs.clear();
        } else {
          BytePair u{acc.pairs[0].first | next.pairs[0].first,
                     acc.pairs[0].second | next.pairs[0].second};
          acc.pairs.assign(1, u);
        }
      }
      acc.min_length = std::min(acc.min_length, next.min_length);
      acc.max_length = std::max(acc.max_length, next.max_length);
      acc.first |= next.first;
      acc.last |= next.last;
      // Branches of one length: the union at each offset, the boundaries both have; more
      // than one branch is not exact (a union of products is not the product of unions).
      acc.seq_ok = acc.seq_ok && next.seq_ok && acc.seq.size() == next.seq.size();
      if (acc.seq_ok) {
        for (size_t j = 0; j < acc.seq.size(); ++j) acc.seq[j] |= next.seq[j];
        acc.words &= next.words;
      }
      acc.exact = false;
    }
    fold_ = saved;
    return acc;
  }

  Info Concatenation() {
    Info acc;  // empty: nullable, length 0
    // After the last part that consumes a byte (its last bytes tail_last): optional parts of
    // at most tail_gap bytes of tail_fill, if any; a next part that consumes a byte makes a
    // gapped pair with it.
    bool tail = false;
    Bytes tail_last, tail_fill;
    size_t tail_gap = 0;
    while (More() && Peek() != '|' && Peek() != ')') {
      Info next = Repetition();
      if (next.nullable) {
        tail_fill |= next.alphabet;
        tail_gap = SatAdd(tail_gap, next.max_length);
      } else {
        if (tail && tail_gap > 0 && tail_gap <= kMaxGap)
          AddGapped(&acc.gapped, GappedPair{tail_last, tail_fill, next.first, tail_gap});
        for (const auto& g : next.gapped) AddGapped(&acc.gapped, g);
        tail = true;
        tail_last = next.last;
        tail_fill.reset();
        tail_gap = 0;
      }
      acc.alphabet |= next.alphabet;
      acc.min_length = SatAdd(acc.min_length, next.min_length);
      acc.max_length = SatAdd(acc.max_length, next.max_length);
      if (!next.nullable && (acc.nullable || Rate(next.trigger) < Rate(acc.trigger)))
        acc.trigger = next.trigger;  // the rarest required piece
      // Required pairs: those of either side, and, when both sides consume a byte, the last
      // byte of the one next to the first byte of the other.
      std::vector<BytePair> pairs = acc.nullable ? std::vector<BytePair>() : acc.pairs;
      if (!next.nullable) {
        for (const auto& p : next.pairs) AddPair(&pairs, p);
        if (!acc.nullable) AddPair(&pairs, BytePair{acc.last, next.first});
      }
      acc.pairs = std::move(pairs);
      const Bytes first = acc.nullable ? acc.first | next.first : acc.first;
      const Bytes last = next.nullable ? acc.last | next.last : next.last;
      acc.first = first;
      acc.last = last;
      acc.nullable = acc.nullable && next.nullable;
      acc.seq_ok =
          acc.seq_ok && next.seq_ok && acc.seq.size() + next.seq.size() <= RegexShape::kMaxSequence;
      if (acc.seq_ok) {
        acc.words |= next.words << acc.seq.size();
        acc.seq.insert(acc.seq.end(), next.seq.begin(), next.seq.end());
        acc.exact = acc.exact && next.exact;
      } else {
        acc.seq.clear();
      }
    }
    return acc;
  }

  // Parses "{n}", "{n,}" or "{n,m}" at at_; false (at_ unchanged) if it is a literal '{'.
  bool Braces(size_t* lo, size_t* hi) {
    size_t p = at_ + 1;
    auto number = [&](size_t* v) {
      size_t start = p;
      *v = 0;
      while (p < re_.size() && re_[p] >= '0' && re_[p] <= '9')
        *v = std::min<size_t>(*v * 10 + static_cast<size_t>(re_[p++] - '0'), 100000);
      return p > start;
    };
    if (!number(lo)) return false;
    *hi = *lo;
    if (p < re_.size() && re_[p] == ',') {
      ++p;
      if (!number(hi)) *hi = std::numeric_limits<size_t>::max();
    }
    if (p >= re_.size() || re_[p] != '}') return false;
    at_ = p + 1;
    return true;
  }

  Info Repetition() {
    Info x = Primary();
    while (More()) {
      size_t lo = 0, hi = 0;
      unsigned char c = Peek();
      if (c == '*') {
        ++at_;
        lo = 0;
      } else if (c == '+') {
        ++at_;
        lo = 1;
      } else if (c == '?') {
        ++at_;
        lo = 0;
      } else if (c == '{' && Braces(&lo, &hi)) {
      } else {
        break;
      }
      if (c == '*' || c == '+') hi = kUnbounded;
      if (c == '?') hi = 1;
      if (More() && Peek() == '?') ++at_;  // non-greedy: same language
      // Only x{n} keeps a fixed length: the sequence n times over.
      x.seq_ok = x.seq_ok && lo == hi && x.seq.size() * lo <= RegexShape::kMaxSequence;
      if (x.seq_ok) {
        const std::vector<Bytes> one = x.seq;
        const uint64_t words = x.words;
        x.seq.clear();
        x.words = 0;
        for (size_t r = 0; r < lo; ++r) {
          x.words |= words << x.seq.size();
          x.seq.insert(x.seq.end(), one.begin(), one.end());
        }
      } else {
        x.seq.clear();
      }
      x.max_length = SatMul(x.max_length, hi);
      if (lo >= 2 && !x.nullable) AddPair(&x.pairs, BytePair{x.last, x.first});
      if (lo == 0) {
        x.nullable = true;
        x.min_length = 0;
        x.pairs.clear();
        x.gapped.clear();
      } else {
        x.min_length = x.min_length > std::numeric_limits<size_t>::max() / lo
                           ? std::numeric_limits<size_t>::max()
                           : x.min_length * lo;
      }
    }
    return x;
  }

  Info Group() {
    ++at_;  // '('
    bool saved = fold_;
    if (More() && Peek() == '?') {
      ++at_;
      if (More() && (Peek() == 'P' || Peek() == '<')) {  // named group
        size_t close = re_.find('>', at_);
        if (close == std::string::npos) return Fail("bad group name"), Info();
        at_ = close + 1;
      } else {
        bool neg = false, fold = fold_;
        while (More() && Peek() != ':' && Peek() != ')') {
          char f = static_cast<char>(Peek());
          ++at_;
          if (f == '-') {
            neg = true;
          } else if (f == 'i') {
            fold = !neg;
          } else if (f != 'm' && f != 's' && f != 'U') {
            return Fail(std::string("flag '") + f + "'"), Info();
          }
        }
        if (!More()) return Fail("unterminated group"), Info();
        if (Peek() == ')') {  // "(?i)": flags for the rest of the enclosing group
          ++at_;
          fold_ = fold;
          return Info();
        }
        ++at_;  // ':'
        fold_ = fold;
      }
    }
    Info x = Alternation();
    fold_ = saved;
    if (!More() || Peek() != ')') return Fail("unterminated group"), Info();
    ++at_;
    return x;
  }

  // Hex digits of \xHH or \x{...}; -1 on error or a code point above Latin-1.
  int Hex() {
    auto hexval = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (at_ < re_.size() && re_[at_] == '{') {
      size_t close = re_.find('}', at_);
      if (close == std::string::npos || close == at_ + 1 || close - at_ > 9) return -1;
      long v = 0;
      for (size_t p = at_ + 1; p < close; ++p) {
        int h = hexval(re_[p]);
        if (h < 0) return -1;
        v = v * 16 + h;
      }
      at_ = close + 1;
      return v > 255 ? -1 : static_cast<int>(v);
    }
    if (at_ + 2 > re_.size()) return -1;
    int a = hexval(re_[at_]), b = hexval(re_[at_ + 1]);
    if (a < 0 || b < 0) return -1;
    at_ += 2;
    return a * 16 + b;
  }

  // An escape after '\' (at_ is past the backslash): a byte set, or empty-width (*width 0).
  bool Escape(Bytes* b, bool* empty_width, bool in_class) {
    *empty_width = false;
    if (!More()) return Fail("trailing backslash");
    char c = static_cast<char>(Peek());
    ++at_;
    b->reset();
    switch (c) {
      case 'd':
        *b = Range('0', '9');
        return true;
      case 'D':
        *b = ~Range('0', '9');
        return true;
      case 's':  // RE2's \s is [\t\n\f\r ]: no \v, unlike [[:space:]] (found by fuzzing)
        *b = Range('\t', '\n') | Range('\f', '\r') | Range(' ', ' ');
        return true;
      case 'S':
        *b = ~(Range('\t', '\n') | Range('\f', '\r') | Range(' ', ' '));
        return true;
      case 'w':
        *b = Range('0', '9') | Range('A', 'Z') | Range('a', 'z') | Range('_', '_');
        return true;
      case 'W':
        *b = ~(Range('0', '9') | Range('A', 'Z') | Range('a', 'z') | Range('_', '_'));
        return true;
      case 'a':
        b->set(7);
        return true;
      case 'f':
        b->set(12);
        return true;
      case 't':
        b->set(9);
        return true;
      case 'n':
        b->set(10);
        return true;
      case 'r':
        b->set(13);
        return true;
      case 'v':
        b->set(11);
        return true;
      case 'x': {
        int v = Hex();
        if (v < 0) return Fail("\\x escape");
        b->set(static_cast<size_t>(v));
        return true;
      }
      case 'C':
        b->set();
        return !in_class || Fail("\\C in a class");
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        if (in_class) return Fail("assertion in a class");
        *empty_width = true;
        return true;
      default:
        break;
    }
    if (std::isalnum(static_cast<unsigned char>(c)) != 0)
      return Fail(std::string("escape \\") + c);  // \p, \Q, octal, backrefs: not modelled
    b->set(static_cast<unsigned char>(c));        // an escaped punctuation byte
    return true;
  }

  bool Posix(Bytes* b) {  // at_ at "[:"
    size_t close = re_.find(":]", at_ + 2);
    if (close == std::string::npos) return false;
    std::string name = re_.substr(at_ + 2, close - at_ - 2);
    bool neg = !name.empty() && name[0] == '^';
    if (neg) name.erase(0, 1);
    Bytes s;
    if (name == "alnum")
      s = Range('0', '9') | Range('A', 'Z') | Range('a', 'z');
    else if (name == "alpha")
      s = Range('A', 'Z') | Range('a', 'z');
    else if (name == "ascii")
      s = Range(0, 127);
    else if (name == "blank")
      s = Range(' ', ' ') | Range('\t', '\t');
    else if (name == "cntrl")
      s = Range(0, 31) | Range(127, 127);
    else if (name == "digit")
      s = Range('0', '9');
    else if (name == "graph")
      s = Range('!', '~');
    else if (name == "lower")
      s = Range('a', 'z');
    else if (name == "print")
      s = Range(' ', '~');
    else if (name == "punct")
      s = Range('!', '/') | Range(':', '@') | Range('[', '`') | Range('{', '~');
    else if (name == "space")
      s = Range('\t', '\r') | Range(' ', ' ');
    else if (name == "upper")
      s = Range('A', 'Z');
    else if (name == "word")
      s = Range('0', '9') | Range('A', 'Z') | Range('a', 'z') | Range('_', '_');
    else if (name == "xdigit")
      s = Range('0', '9') | Range('A', 'F') | Range('a', 'f');
    else
      return false;
    *b = neg ? ~s : s;
    at_ = close + 2;
    return true;
  }

  Info Class() {
    ++at_;  // '['
    bool neg = More() && Peek() == '^';
    if (neg) ++at_;
    Bytes set;
    bool first = true;
    while (true) {
      if (!More()) return Fail("unterminated class"), Info();
      unsigned char c = Peek();
      if (c == ']' && !first) {
        ++at_;
        break;
      }
      first = false;
      if (c == '[' && at_ + 1 < re_.size() && re_[at_ + 1] == ':') {
        Bytes p;
        if (!Posix(&p)) return Fail("class [:...:]"), Info();
        set |= p;
        continue;
      }
      int lo = -1;
      if (c == '\\') {
        ++at_;
        Bytes e;
        bool empty = false;
        if (!Escape(&e, &empty, true)) return Info();
        if (e.count() != 1) {  // \d, \s ...: no range from it
          set |= e;
          continue;
        }
        for (int k = 0; k < 256; ++k)
          if (e.test(k)) lo = k;
      } else {
        lo = c;
        ++at_;
      }
      int hi = lo;
      if (More() && Peek() == '-' && at_ + 1 < re_.size() && re_[at_ + 1] != ']') {
        ++at_;
        unsigned char d = Peek();
        if (d == '\\') {
          ++at_;
          Bytes e;
          bool empty = false;
          if (!Escape(&e, &empty, true)) return Info();
          if (e.count() != 1) return Fail("bad range"), Info();
          for (int k = 0; k < 256; ++k)
            if (e.test(k)) hi = k;
        } else {
          hi = d;
          ++at_;
        }
        if (hi < lo) return Fail("bad range"), Info();
      }
      set |= Range(lo, hi);
    }
    if (neg) set = ~set;
    Info x = Atom(fold_ ? Fold(set) : set);
    // RE2 folds a negated class before negating it; Fold after negating is only a superset.
    if (neg && fold_) x.exact = false;
    return x;
  }

  Info Primary() {
    unsigned char c = Peek();
    switch (c) {
      case '(':
        return Group();
      case '[':
        return Class();
      case '.':
        ++at_;
        return Atom(Bytes().set());
      case '^':
      case '$':
        ++at_;
        return Assertion(false);
      case '*':
      case '+':
      case '?':
        Fail("repetition of nothing");
        return Info();
      case '\\': {
        ++at_;
        Bytes b;
        bool empty = false;
        if (!Escape(&b, &empty, false)) return Info();
        if (empty) return Assertion(re_[at_ - 1] == 'b');
        return Atom(fold_ ? Fold(b) : b);
      }
      default: {
        ++at_;
        Bytes b;
        b.set(c);
        return Atom(fold_ ? Fold(b) : b);
      }
    }
  }

  const std::string& re_;
  size_t at_ = 0;
  bool fold_ = false;
  bool failed_ = false;
  std::string why_;
};

}  // namespace

double ByteRate(unsigned char c) {
  // English prose and code, roughly: space and common lower-case letters dominate; digits,
  // upper case, punctuation and rare letters are worth a trigger.
  static const double kLower[26] = {0.052, 0.010, 0.018, 0.027, 0.080, 0.014, 0.013, 0.038, 0.045,
                                    0.001, 0.005, 0.026, 0.015, 0.044, 0.048, 0.012, 0.001, 0.038,
                                    0.040, 0.058, 0.018, 0.006, 0.015, 0.001, 0.013, 0.001};
  if (c == ' ') return 0.15;
  if (c >= 'a' && c <= 'z') return kLower[c - 'a'];
  if (c >= 'A' && c <= 'Z') return 0.002;
  if (c >= '0' && c <= '9') return 0.003;
  if (c == '.' || c == ',') return 0.01;
  if (c == '\n' || c == '\t') return 0.003;
  if (c >= 0x80) return 0.0005;
  return 0.0008;
}

double ByteSetRate(const std::bitset<256>& bytes) {
  return Rate(bytes);
}

RegexShape AnalyzeRegex(const std::string& regex, bool case_insensitive) {
  RegexShape shape;
  Parser p(regex, case_insensitive);
  Info info;
  if (!p.Run(&info)) {
    shape.why = p.why();
    return shape;
  }
  if (info.nullable) {
    shape.why = "can match the empty string";
    return shape;
  }
  shape.ok = true;
  shape.alphabet = info.alphabet;
  shape.trigger = info.trigger & info.alphabet;
  shape.min_length = info.min_length;
  shape.max_length = info.max_length;
  shape.pairs = info.pairs;
  shape.gapped = info.gapped;
  shape.trigger_rate = Rate(shape.trigger);
  if (info.seq_ok && !info.seq.empty() && info.seq.size() == info.min_length &&
      info.seq.size() == info.max_length) {
    shape.sequence = info.seq;
    shape.word_boundaries = info.words;
    shape.sequence_exact = info.exact;
  }
  return shape;
}

}  // namespace mnemo::pii
