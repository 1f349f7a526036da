// Trivial memorisation: continuations that match because they are repetitive or low in
// information (whitespace runs, one token over and over, a short cycle), not because the model
// stored the document. Rates are reported with and without them.
//
// A continuation (its tokens and text) is flagged
// - whitespace: at least `whitespace_fraction` of its text's bytes are ASCII whitespace;
// - repeated: one token id makes up at least `max_token_share` of its tokens, or it is a
//   cycle of period <= `max_period` tokens (output[i] == output[i - p]) over at least
//   `cycle_share` of its positions;
// - low_entropy: the Shannon entropy of its token distribution is below `min_entropy_bits`.
// Empty continuations are flagged whitespace. `trivial` is the OR of the three.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_MEMORIZATION_TRIVIAL_H_
#define MNEMO_AUDITS_MEMORIZATION_TRIVIAL_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace mnemo {
namespace memorization {

struct TrivialOptions {
  double whitespace_fraction = 0.5;
  double max_token_share = 0.5;
  size_t max_period = 4;
  double cycle_share = 0.8;
  double min_entropy_bits = 2.0;
};

struct TrivialFlags {
  bool whitespace = false;
  bool repeated = false;
  bool low_entropy = false;
  bool trivial() const { return whitespace || repeated || low_entropy; }
};

// Shannon entropy in bits of the multiset of token ids (0 for fewer than two tokens).
double TokenEntropyBits(const std::vector<int32_t>& tokens);

TrivialFlags DetectTrivial(const std::vector<int32_t>& tokens, std::string_view text,
                           const TrivialOptions& options = {});

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_TRIVIAL_H_
