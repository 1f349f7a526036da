#include "audits/pii/extraction.h"

#include <algorithm>
#include <string>

#include <re2/re2.h>

#include "audits/pii/context_score.h"
#include "audits/pii/word_bytes.h"

namespace mnemo::pii {

namespace {

// Whether RE2's \b holds at byte offset `at` of t[0, n).
inline bool WordBoundary(const unsigned char* t, size_t n, size_t at) {
  return (at > 0 && IsWordByte(t[at - 1])) != (at < n && IsWordByte(t[at]));
}

// A fixed-length pattern's leftmost match starting in [pos, end - length] (its Shift-And
// candidates, confirmed by RE2 unless exact), with the whole text as context; false: none.
bool FindSequence(const CompiledPattern& c, std::string_view text, size_t pos, size_t end,
                  size_t* start) {
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

}  // namespace

void ExtractMatches(const CompiledCatalogue& catalogue, const ScanOptions& options,
                    std::string_view text, size_t pi, const Window* windows, size_t num_windows,
                    std::vector<Finding>* out, ScanStats* stats) {
  const CompiledPattern& c = *catalogue.patterns[pi];
  const EntityDef& e = catalogue.entities[c.entity];
  ValidatorContext vctx;
  vctx.text = text;
  vctx.params = &e.validator_params;
  vctx.tlds = &catalogue.tlds;
  const size_t n = text.size();
  const int nsub = c.group + 1;
  re2::StringPiece sub[10];
  const re2::StringPiece whole(text.data(), n);
  // The one-regex-at-a-time baseline stays RE2 alone: the reference the fast paths are
  // tested against.
  const bool sequence = c.seq_length != 0 && options.prefilter;
  size_t pos = 0;
  for (size_t w = 0; w < num_windows; ++w) {
    // Matching inside [begin, end) with the whole text as context finds what a whole-text
    // scan finds there: no match crosses the window's edges (see window_scan.h).
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
          if (!options.keep_invalid) {
            pos = next;
            continue;
          }
        }
      }
      pos = next;
      if (t <= s) continue;
      std::string_view value = text.substr(s, t - s);
      if (!catalogue.allow.empty() && catalogue.allow.count(std::string(value)) > 0) continue;
      if (!catalogue.entity_allow[c.entity].empty() &&
          catalogue.entity_allow[c.entity].count(std::string(value)) > 0)
        continue;
      Finding f;
      f.entity = c.entity;
      f.pattern = c.pattern;
      f.start = s;
      f.end = t;
      f.verdict = v;
      double score = v == Verdict::kValid ? e.validated_score : c.score;
      f.score = ContextScore(catalogue, options, text, f, score, &f.context);
      f.likelihood = ScoreToLikelihood(f.score, e.thresholds);
      if (f.likelihood < options.min_likelihood) continue;
      out->push_back(f);
    }
  }
}

}  // namespace mnemo::pii
