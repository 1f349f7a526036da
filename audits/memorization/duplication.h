// Duplication counts (Carlini et al. 2022): how often each probe's suffix window of S tokens
// occurs in the tokenized training corpus, so rates can be shown against duplication.
//
// Exact counts through 64-bit n-gram hashing (audits/ngram, shared with decontamination):
// every probe suffix is hashed into a table; each corpus document is tokenized (no BOS) and
// every window of S consecutive tokens inside it is hashed and looked up. Windows never cross
// document boundaries (the rolling hash is reset per document). Overlapping occurrences all
// count (a window of one repeated token in a run of S + 2 counts 3 times). A probe cut from
// the corpus itself counts at least 1 when its document tokenizes the same way. Collisions
// between different windows have probability about 2^-64 per pair.
//
// Thread-safety: a DuplicationCounter is used from one thread.
#ifndef MNEMO_AUDITS_MEMORIZATION_DUPLICATION_H_
#define MNEMO_AUDITS_MEMORIZATION_DUPLICATION_H_

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "audits/memorization/corpus_tokens.h"
#include "audits/memorization/probe.h"
#include "datasets/io/corpus_reader.h"

namespace mnemo {
namespace memorization {

class DuplicationCounter {
 public:
  // Registers every probe's suffix (all must have the same length n > 0).
  explicit DuplicationCounter(const std::vector<Probe>& probes);
  // Counts the windows of one document.
  void ScanDocument(const std::vector<int32_t>& tokens);
  // Occurrences of probes[i]'s suffix seen so far.
  int64_t Count(size_t i) const;
  size_t window() const { return n_; }

 private:
  size_t n_ = 0;
  std::vector<uint64_t> probe_hash_;
  std::unordered_map<uint64_t, int64_t> counts_;
};

// Streams the corpus once and returns one count per probe. Probes with suffixes of different
// lengths are an InvalidArgument.
Result<std::vector<int64_t>> CountDuplicates(const CorpusOptions& corpus,
                                             const TokenizeFn& tokenize,
                                             const std::vector<Probe>& probes,
                                             CorpusStats* stats = nullptr,
                                             const TokenCacheRef& cache = {},
                                             const PassProgress& progress = {});

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_DUPLICATION_H_
