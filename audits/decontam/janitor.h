// lm-evaluation-harness's janitor normalisation (lm_eval/decontamination/janitor.py), the
// word units of decontamination:
//   - ASCII 'A'-'Z' -> 'a'-'z' (str.translate with ascii letters; nothing else is folded);
//   - every character of Python's string.punctuation (the 32 ASCII punctuation marks) is
//     deleted, so "don't" -> "dont" and a punctuation-only token vanishes;
//   - the result is split on whitespace as Python's str.split() does: ASCII whitespace,
//     \x1c-\x1f, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F,
//     U+3000. Non-ASCII letters (É, ß) and non-ASCII punctuation (curly quotes, dashes) are
//     kept as they are, exactly as the janitor keeps them.
// Normalise-then-split is the janitor's eval-side order; its clean_python path splits first
// and so never matches n-grams around a punctuation-only token (a false negative we do not
// reproduce).
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_DECONTAM_JANITOR_H_
#define MNEMO_AUDITS_DECONTAM_JANITOR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mnemo {
namespace decontam {

// The janitor's normalize_string followed by split() and " ".join(): words joined by one
// space (the reference form, for tests and display).
std::string JanitorNormalize(std::string_view text);

namespace janitor_detail {
// 0 keep, 1 ASCII upper, 2 punctuation (deleted), 3 whitespace, 4 a byte >= 0x80.
extern const uint8_t kClass[256];
// Length of the Python whitespace character starting at s[i] (a byte >= 0x80), or 0.
inline size_t UnicodeSpaceLen(const unsigned char* s, size_t i, size_t n) {
  unsigned char c = s[i];
  if (c == 0xC2 && i + 1 < n && (s[i + 1] == 0x85 || s[i + 1] == 0xA0)) return 2;
  if (c == 0xE1 && i + 2 < n && s[i + 1] == 0x9A && s[i + 2] == 0x80) return 3;
  if (c == 0xE2 && i + 2 < n) {
    unsigned char b = s[i + 1], d = s[i + 2];
    if (b == 0x80 && (d <= 0x8A || d == 0xA8 || d == 0xA9 || d == 0xAF)) return 3;
    if (b == 0x81 && d == 0x9F) return 3;
  }
  if (c == 0xE3 && i + 2 < n && s[i + 1] == 0x80 && s[i + 2] == 0x80) return 3;
  return 0;
}
// The index of the first byte at or after i that does not start whitespace (ASCII or
// Python's Unicode spaces), or n.
inline size_t SkipSpaces(const unsigned char* s, size_t i, size_t n) {
  while (i < n) {
    const uint8_t c = kClass[s[i]];
    if (c == 3) {
      ++i;
    } else if (c == 4) {
      const size_t w = UnicodeSpaceLen(s, i, n);
      if (w == 0) return i;
      i += w;
    } else {
      return i;
    }
  }
  return n;
}
}  // namespace janitor_detail

// Calls f(word, begin, end) for each normalised, non-empty word of `text`, in order; `word`
// is the normalised bytes (valid during the call), [begin, end) the raw bytes it came from.
// One pass, no allocation beyond `scratch`.
template <typename F>
void ForEachJanitorWord(std::string_view text, std::string* scratch, F&& f) {
  using janitor_detail::kClass;
  const unsigned char* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    i = janitor_detail::SkipSpaces(s, i, n);
    if (i >= n) return;
    size_t start = i;
    bool changed = false;
    while (i < n) {
      uint8_t c = kClass[s[i]];
      if (c == 0) {
        ++i;
      } else if (c == 3) {
        break;
      } else if (c == 4) {
        if (janitor_detail::UnicodeSpaceLen(s, i, n) != 0) break;
        ++i;
      } else {
        changed = true;
        ++i;
      }
    }
    if (!changed) {
      f(std::string_view(text.data() + start, i - start), start, i);
      continue;
    }
    scratch->clear();
    for (size_t k = start; k < i; ++k) {
      uint8_t c = kClass[s[k]];
      if (c == 2) continue;
      scratch->push_back(c == 1 ? static_cast<char>(s[k] + 32) : static_cast<char>(s[k]));
    }
    if (!scratch->empty()) f(std::string_view(*scratch), start, i);
  }
}

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_JANITOR_H_
