#include "audits/pii/display_redaction.h"

#include <algorithm>
#include <map>
#include <set>

#include "audits/pii/catalogue.h"
#include "audits/pii/context_score.h"
#include "audits/pii/engine.h"
#include "audits/pii/regex_shape.h"
#include "audits/pii/word_bytes.h"

namespace mnemo::pii {

// A masked span of one text: bytes [start, end), its label's entity, and how sure the label is
// (a finding outranks a fragment named by context, which outranks [NUMBER]).
struct DisplayRedactor::Span {
  size_t start = 0, end = 0;
  std::string entity;
  double rank = 0;
  int digits = 0;  // for runs of digit groups
};

namespace {

bool IsDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}

// What may stand between two groups of a cut entity ("019-70-93", "(708) 979-73", "8.6.7").
bool IsGroupSeparator(unsigned char c) {
  return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == '+' ||
         c == ':';
}

constexpr size_t kMaxSeparators = 2;  // ") " between the area code and the number

// Ranks of a span's label.
constexpr double kRankNumber = -2;   // an edge fragment no context names
constexpr double kRankContext = -1;  // an edge fragment a context word names
// A finding ranks by its score (>= 0).

}  // namespace

DisplayRedactor::DisplayRedactor() = default;
DisplayRedactor::~DisplayRedactor() = default;

Result<std::unique_ptr<DisplayRedactor>> DisplayRedactor::Create() {
  auto catalogue = Catalogue::Default();
  if (!catalogue.ok()) return catalogue.status();
  ScanOptions options;
  options.min_likelihood = Likelihood::kVeryUnlikely;
  options.keep_invalid = true;
  auto scanner = Scanner::Create(*catalogue, options);
  if (!scanner.ok()) return scanner.status();
  std::unique_ptr<DisplayRedactor> r(new DisplayRedactor());
  r->scanner_ = std::move(*scanner);
  for (const auto& e : r->scanner_->entities()) {
    std::vector<PatternShape> shapes;
    for (const auto& p : e.patterns) {
      RegexShape shape = AnalyzeRegex(p.regex, !p.case_sensitive);
      // A pattern the analysis cannot model, or one that takes no digit, names no fragment.
      bool digits = false;
      for (int c = '0'; c <= '9'; ++c) digits |= shape.alphabet.test(c);
      if (!shape.ok || !digits) continue;
      shapes.push_back({shape.alphabet, shape.max_length});
    }
    r->shapes_.push_back(std::move(shapes));
  }
  return r;
}

bool DisplayRedactor::GroupRun(const std::string& text, size_t from, bool backwards, int min_digits,
                               Span* out) const {
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  // Groups of word bytes, each with a digit, joined by at most kMaxSeparators separators, read
  // from `from` (backwards: towards the start). A group without a digit ("SSN") ends the run.
  size_t first = n, last = 0;  // the run's bytes: [first, last)
  int digits = 0;
  size_t i = from;
  auto at = [&](size_t k) { return backwards ? t[k - 1] : t[k]; };  // the next byte
  auto more = [&](size_t k) { return backwards ? k > 0 : k < n; };
  auto step = [&](size_t* k) { backwards ? --*k : ++*k; };
  for (size_t seps = 0; more(i) && seps < kMaxSeparators && IsGroupSeparator(at(i)); ++seps)
    step(&i);  // an edge may cut after a separator ("SSN 019-70-")
  while (more(i) && IsWordByte(at(i))) {
    size_t g = i;
    int group_digits = 0;
    while (more(g) && IsWordByte(at(g))) {
      group_digits += IsDigit(at(g));
      step(&g);
    }
    if (group_digits == 0) break;
    digits += group_digits;
    first = std::min(first, std::min(i, g));
    last = std::max(last, std::max(i, g));
    i = g;
    size_t seps = 0;
    while (more(i) && seps < kMaxSeparators && IsGroupSeparator(at(i))) {
      step(&i);
      ++seps;
    }
  }
  if (digits == 0) return false;
  // An opening parenthesis or plus sign belongs to what follows ("(708", "+44").
  if (first > 0 && (t[first - 1] == '(' || t[first - 1] == '+')) --first;
  *out = {first, last, "", 0, digits};
  // The entities the run could be part of: every byte in one pattern's alphabet, and shorter
  // than that pattern's longest match. A context word names one of them.
  const size_t length = last - first;
  Finding probe;
  probe.start = first;
  probe.end = last;
  for (size_t e = 0; e < shapes_.size(); ++e) {
    bool fits = false;
    for (const auto& shape : shapes_[e]) {
      if (shape.max_length != RegexShape::kUnbounded && length >= shape.max_length) continue;
      bool all = true;
      for (size_t k = first; k < last && all; ++k) all = shape.alphabet.test(t[k]);
      fits |= all;
    }
    if (!fits) continue;
    probe.entity = static_cast<int>(e);
    bool hit = false;
    ContextScore(scanner_->compiled(), scanner_->options(), text, probe, 0.0, &hit);
    if (hit) {
      out->entity = scanner_->entities()[e].name;
      out->rank = kRankContext;
      return true;
    }
  }
  if (digits < min_digits) return false;
  out->entity = "NUMBER";
  out->rank = kRankNumber;
  return true;
}

void DisplayRedactor::Fragments(const std::string& text, std::vector<Span>* out) const {
  Span s;
  // At the edges: what a window cut, named by context or long enough.
  if (GroupRun(text, 0, false, kEdgeDigits, &s)) out->push_back(s);
  if (GroupRun(text, text.size(), true, kEdgeDigits, &s)) out->push_back(s);
  // Inside: a long run of digit groups a near-copy left unmatched ("(020) 994-6139": no
  // area code starts with 0). Context alone does not mask short numbers here.
  for (size_t i = 0; i < text.size();) {
    const bool starts = IsDigit(static_cast<unsigned char>(text[i])) &&
                        (i == 0 || !IsWordByte(static_cast<unsigned char>(text[i - 1])));
    s = Span();
    if (starts && GroupRun(text, i, false, kNumberDigits, &s) && s.digits >= kNumberDigits)
      out->push_back(s);
    i = std::max(i + 1, s.end);
  }
}

std::vector<std::string> DisplayRedactor::Redact(const std::vector<std::string>& texts) const {
  // Per text: the masked spans, overlapping ones merged (the best-ranked label wins).
  std::vector<std::vector<Span>> merged(texts.size());
  for (size_t ti = 0; ti < texts.size(); ++ti) {
    const std::string& text = texts[ti];
    std::vector<Span> spans;
    std::vector<Finding> found;
    ScanStats stats;
    // Scan fails only on an internal error of RE2's Set, after which it has scanned pattern
    // by pattern (engine.h); what it found is still used.
    (void)scanner_->Scan(text, &found, &stats);
    for (const auto& f : found)
      spans.push_back({f.start, f.end, scanner_->entities()[f.entity].name, f.score});
    Fragments(text, &spans);
    std::sort(spans.begin(), spans.end(),
              [](const Span& a, const Span& b) { return a.start < b.start; });
    for (const auto& s : spans) {
      auto& m = merged[ti];
      if (!m.empty() && s.start < m.back().end) {
        Span& last = m.back();
        last.end = std::max(last.end, s.end);
        if (s.rank > last.rank) {
          last.entity = s.entity;
          last.rank = s.rank;
        }
      } else {
        m.push_back(s);
      }
    }
  }
  // Labels: an entity with several distinct values among the texts numbers them.
  std::map<std::string, std::vector<std::string>> values;  // entity -> values, first seen first
  for (size_t ti = 0; ti < texts.size(); ++ti)
    for (const auto& s : merged[ti]) {
      auto& v = values[s.entity];
      std::string value = texts[ti].substr(s.start, s.end - s.start);
      if (std::find(v.begin(), v.end(), value) == v.end()) v.push_back(value);
    }
  std::vector<std::string> out;
  for (size_t ti = 0; ti < texts.size(); ++ti) {
    const std::string& text = texts[ti];
    std::string r;
    size_t pos = 0;
    for (const auto& s : merged[ti]) {
      r.append(text, pos, s.start - pos);
      const auto& v = values[s.entity];
      r += "[" + s.entity;
      if (v.size() > 1) {
        auto k = std::find(v.begin(), v.end(), text.substr(s.start, s.end - s.start)) - v.begin();
        r += "#" + std::to_string(k + 1);
      }
      r += "]";
      pos = s.end;
    }
    r.append(text, pos, std::string::npos);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace mnemo::pii
