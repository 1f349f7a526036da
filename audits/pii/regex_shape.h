// A conservative static analysis of one RE2 pattern (Latin-1 mode, as the engine compiles
// them), used to scan only the parts of a text where the pattern can match.
//
// Contract, for every match m of the pattern in any text (with any context):
//   - every byte of m is in `alphabet`, so m lies inside one maximal run of alphabet bytes;
//   - m contains at least one byte of `trigger` (trigger is a subset of alphabet);
//   - m is at least `min_length` bytes long and at most `max_length` (kUnbounded: no limit);
//   - for every entry p of `pairs`, m holds two adjacent bytes x y with x in p.first and y in
//     p.second (required byte pairs, e.g. ". then a letter" for a host name; at most a few,
//     the rarest by the byte model);
//   - for every entry g of `gapped`, m holds x f..f y with x in g.first, at most g.gap bytes
//     f in g.fill and y in g.second.
// These are over-approximations (alphabet, trigger, pairs, max_length) and an
// under-approximation (min_length): the analysis may be loose, never wrong. `ok` is false when the
// pattern uses syntax the analysis does not model, or can match the empty string; such a pattern
// must be run over the whole text.
//
// Thread-safety: plain functions and values.
#ifndef MNEMO_AUDITS_PII_REGEX_SHAPE_H_
#define MNEMO_AUDITS_PII_REGEX_SHAPE_H_

#include <bitset>
#include <cstddef>
#include <string>
#include <vector>

namespace mnemo::pii {

struct BytePair {
  std::bitset<256> first, second;
};

// A byte of `first`, then at most `gap` (>= 1) bytes of `fill`, then a byte of `second`: what
// stands between two required parts when optional ones may come between them (a key word,
// an optional quote and spaces, then '=').
struct GappedPair {
  std::bitset<256> first, fill, second;
  size_t gap = 0;
};

struct RegexShape {
  static constexpr size_t kUnbounded = static_cast<size_t>(-1);
  bool ok = false;
  std::bitset<256> alphabet;
  std::bitset<256> trigger;
  size_t min_length = 0;
  size_t max_length = kUnbounded;
  std::vector<BytePair> pairs;     // rarest first
  std::vector<GappedPair> gapped;  // rarest first
  // Expected share of trigger bytes in English-like text (a rough byte-frequency model);
  // a high value means the trigger fires nearly everywhere.
  double trigger_rate = 1.0;
  std::string why;  // when !ok: what the analysis could not model
  // Fixed-length patterns (every match is sequence.size() bytes long, at most kMaxSequence):
  // the byte at offset j of any match is in sequence[j]; a word boundary (\b) holds at every
  // offset o (0 .. size) with bit o of word_boundaries set (RE2's ASCII \b, the text around
  // the match as context). When sequence_exact, the matches are exactly the strings of
  // sequence.size() bytes with those bytes and boundaries: nothing else in the pattern
  // (alternatives that are not one class per offset, other assertions, Latin-1 case folding)
  // decides. Empty when the pattern's length varies or its shape is not a sequence of classes.
  static constexpr size_t kMaxSequence = 63;
  std::vector<std::bitset<256>> sequence;
  uint64_t word_boundaries = 0;
  bool sequence_exact = false;
};

// `regex` is RE2 syntax as the catalogue gives it; case_insensitive as RE2::Options would set.
RegexShape AnalyzeRegex(const std::string& regex, bool case_insensitive);

// The byte-frequency model behind trigger_rate (shares summing to about 1).
double ByteRate(unsigned char c);
// The model's share of a set of bytes.
double ByteSetRate(const std::bitset<256>& bytes);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_REGEX_SHAPE_H_
