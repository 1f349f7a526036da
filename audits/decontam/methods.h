// Contamination methods: per item, an overlap fraction and a status.
//   gpt3:   dirty if any (non-boilerplate) n-gram occurs in the corpus (n = 13); overlap is
//           the share of the item's n-gram positions that occur.
//   palm:   dirty if that share is >= threshold (0.7; n = 8).
//   llama2: overlap is the share of the item's units covered by matched n-grams of n >= L
//           units (a unit is covered when it lies in a matched window of L units; any match of
//           >= L units is a union of such windows). Buckets as Llama 2 defines them: clean
//           < 20%, not clean >= 20%, not dirty < 80%, dirty >= 80%; an item's status is
//           "clean", "dirty", or "not_clean" (20% to 80%: not clean and not dirty).
//           Llama 2's skip-gram tolerance (4 mismatches) is not implemented.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_DECONTAM_METHODS_H_
#define MNEMO_AUDITS_DECONTAM_METHODS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "audits/decontam/eval_index.h"
#include "harness/core/status.h"

namespace mnemo {
namespace decontam {

enum class Method { kGpt3, kPalm, kLlama2 };

Result<Method> ParseMethod(const std::string& name);
const char* MethodName(Method m);
size_t DefaultN(Method m);  // 13, 8, 10

struct MethodOptions {
  Method method = Method::kGpt3;
  double palm_threshold = 0.7;  // inclusive (>=)
  double llama2_clean = 0.2;    // clean < this
  double llama2_dirty = 0.8;    // dirty >= this
};

struct ItemVerdict {
  std::string status;
  double overlap = 0;   // the method's fraction (see above)
  int64_t ngrams = 0;   // non-boilerplate n-gram positions
  int64_t matched = 0;  // of which occur in the corpus
  double coverage = 0;  // share of units covered by matches (all methods report it)
  // Not clean, but would be clean if the n-grams the item shares with other eval item texts
  // (EvalIndex::shared) were dropped, as --boilerplate 1 drops them: dirty only through text
  // that is not specific to it. Always false when no kept n-gram is shared.
  bool shared_only = false;
};

// `matched` is the scan's bitset over the index's n-gram ranks.
ItemVerdict Judge(const EvalIndex& index, size_t item, const std::vector<uint64_t>& matched,
                  const MethodOptions& options);

// The statuses a method gives, in report order.
std::vector<std::string> MethodStatuses(Method m);

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_METHODS_H_
