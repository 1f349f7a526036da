// Units of decontamination n-grams: janitor words (default) or tokens of a tokenizer
// (SentencePiece model file, or a model backend's tokenizer through a function). Both sides
// (eval items and corpus documents) go through the same unit extraction.
//
// Word units are hashed with HashWord of the normalised word (a per-byte hash fused into the
// normalisation loop, see janitor.h); token units with ngram::HashUnit(token id).
//
// Thread-safety: a TokenEncoder is shared by the scan's threads; implementations must make
// Encode thread-safe.
#ifndef MNEMO_AUDITS_DECONTAM_UNITS_H_
#define MNEMO_AUDITS_DECONTAM_UNITS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/status.h"

namespace mnemo {
namespace decontam {

class TokenEncoder {
 public:
  virtual ~TokenEncoder() = default;
  // Token ids of `text` and, when the tokenizer knows them, each token's byte span in `text`
  // (begins/ends left empty otherwise).
  virtual Status Encode(std::string_view text, std::vector<int32_t>* ids,
                        std::vector<uint32_t>* begins, std::vector<uint32_t>* ends) const = 0;
  virtual std::string name() const = 0;
};

// A SentencePiece model file (byte spans from the pieces).
Result<std::unique_ptr<TokenEncoder>> OpenSentencePiece(const std::string& model_path);
// Any tokenizer as a function (no spans). `fn` must be thread-safe.
std::unique_ptr<TokenEncoder> MakeFunctionEncoder(
    std::string name, std::function<Result<std::vector<int32_t>>(std::string_view)> fn);

// The units of one text: hashes and raw byte spans (spans empty for a span-less tokenizer).
struct Units {
  std::vector<uint64_t> hashes;
  std::vector<uint32_t> begin, end;
  void clear() {
    hashes.clear();
    begin.clear();
    end.clear();
  }
};

// Janitor words when `encoder` is null, else tokens.
Status ExtractUnits(std::string_view text, const TokenEncoder* encoder, Units* out);

// The unit hash of a normalised word (as ForEachJanitorWordHash computes it).
uint64_t HashWord(std::string_view word);

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_UNITS_H_
