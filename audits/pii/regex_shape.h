// A conservative static analysis of one RE2 pattern (Latin-1 mode, as the engine compiles
// them), used to scan only the parts of a text where the pattern can match.
//
// Contract, for every match m of the pattern in any text (with any context):
//   - every byte of m is in `alphabet`, so m lies inside one maximal run of alphabet bytes;
//   - m contains at least one byte of `trigger` (trigger is a subset of alphabet);
//   - m is at least `min_length` bytes long and at most `max_length` (kUnbounded: no limit);
//   - for every entry p of `pairs`, m holds two adjacent bytes x y with x in p.first and y in
//     p.second (required byte pairs, e.g. ". then a letter" for a host name; at most a few,
//     the rarest by the byte model).
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

struct RegexShape {
  static constexpr size_t kUnbounded = static_cast<size_t>(-1);
  bool ok = false;
  std::bitset<256> alphabet;
  std::bitset<256> trigger;
  size_t min_length = 0;
  size_t max_length = kUnbounded;
  std::vector<BytePair> pairs;  // rarest first
  // Expected share of trigger bytes in English-like text (a rough byte-frequency model);
  // a high value means the trigger fires nearly everywhere.
  double trigger_rate = 1.0;
  std::string why;  // when !ok: what the analysis could not model
};

// `regex` is RE2 syntax as the catalogue gives it; case_insensitive as RE2::Options would set.
RegexShape AnalyzeRegex(const std::string& regex, bool case_insensitive);

// The byte-frequency model behind trigger_rate (shares summing to about 1).
double ByteRate(unsigned char c);
// The model's share of a set of bytes.
double ByteSetRate(const std::bitset<256>& bytes);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_REGEX_SHAPE_H_
