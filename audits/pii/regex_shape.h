// A conservative static analysis of one RE2 pattern (Latin-1 mode, as the engine compiles
// them), used to scan only the parts of a text where the pattern can match.
//
// Contract, for every match m of the pattern in any text (with any context):
//   - every byte of m is in `alphabet`, so m lies inside one maximal run of alphabet bytes;
//   - m contains at least one byte of `trigger` (trigger is a subset of alphabet);
//   - m is at least `min_length` bytes long.
// These are over-approximations (alphabet, trigger) and an under-approximation (min_length):
// the analysis may be loose, never wrong. `ok` is false when the pattern uses syntax the
// analysis does not model, or can match the empty string; such a pattern must be run over the
// whole text.
//
// Thread-safety: plain functions and values.
#ifndef MNEMO_AUDITS_PII_REGEX_SHAPE_H_
#define MNEMO_AUDITS_PII_REGEX_SHAPE_H_

#include <bitset>
#include <cstddef>
#include <string>

namespace mnemo::pii {

struct RegexShape {
  bool ok = false;
  std::bitset<256> alphabet;
  std::bitset<256> trigger;
  size_t min_length = 0;
  // Expected share of trigger bytes in English-like text (a rough byte-frequency model);
  // a high value means the trigger fires nearly everywhere.
  double trigger_rate = 1.0;
  std::string why;  // when !ok: what the analysis could not model
};

// `regex` is RE2 syntax as the catalogue gives it; case_insensitive as RE2::Options would set.
RegexShape AnalyzeRegex(const std::string& regex, bool case_insensitive);

// The byte-frequency model behind trigger_rate (shares summing to about 1).
double ByteRate(unsigned char c);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_REGEX_SHAPE_H_
