#include "audits/pii/context_score.h"

#include <algorithm>
#include <string>

#include "audits/pii/word_bytes.h"

namespace mnemo::pii {

namespace {

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

// Whether `w` occurs in `padded` with a space on both sides.
bool HasWholeWord(std::string_view padded, std::string_view w) {
  for (size_t pos = padded.find(w, 1); pos != std::string_view::npos; pos = padded.find(w, pos + 1))
    if (padded[pos - 1] == ' ' && pos + w.size() < padded.size() && padded[pos + w.size()] == ' ')
      return true;
  return false;
}

}  // namespace

double ContextScore(const CompiledCatalogue& catalogue, const ScanOptions& options,
                    std::string_view text, const Finding& f, double score, bool* hit) {
  const EntityDef& e = catalogue.entities[f.entity];
  *hit = false;
  if (!options.use_context || e.context.empty() || score >= 1.0) return score;
  size_t lo = f.start > options.context_bytes ? f.start - options.context_bytes : 0;
  size_t hi = std::min(text.size(), f.end + options.context_bytes);
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
      return std::min(1.0, std::max(score + catalogue.context_boost, catalogue.context_min_score));
    }
  }
  return score;
}

}  // namespace mnemo::pii
