// Tokenised training corpora kept in memory between the corpus passes of a memorisation run.
// One model's audits read the same corpus several times (sampling, then duplication counts,
// then the next job), and the tokenizer is what those passes wait on: llama.cpp's SPM
// tokenizer does about 1.7 MB/s per core, so each pass over the 7.5 MB fixture corpus took
// ~3 s. A pass that finds its corpus here replays the stored token sequences instead.
//
// Entries are keyed by the tokenizer's identity (the caller's string: the model fingerprint),
// the corpus options, and every corpus file's path, size and modification time, so an edited
// corpus or another model is read afresh. A corpus whose tokens and document metadata exceed
// the budget is not kept; its passes stream it as before. Inserting evicts older entries
// until the new one fits.
//
// Thread-safety: none; one run thread uses it (the tokenizer runs in parallel inside a pass).
#ifndef MNEMO_AUDITS_MEMORIZATION_CORPUS_TOKEN_CACHE_H_
#define MNEMO_AUDITS_MEMORIZATION_CORPUS_TOKEN_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <utility>
#include <vector>

#include "datasets/io/corpus_reader.h"
#include "harness/core/status.h"

namespace mnemo {
namespace memorization {

class CorpusTokenCache {
 public:
  static constexpr size_t kDefaultBudgetBytes = size_t{256} << 20;

  // A document as a pass sees it, without its text and record (passes use only the tokens
  // and the metadata).
  struct Doc {
    CorpusDocument meta;
    std::vector<int32_t> tokens;
  };
  struct Entry {
    std::vector<Doc> docs;
    CorpusStats stats;
    size_t bytes = 0;
  };

  explicit CorpusTokenCache(size_t budget_bytes = kDefaultBudgetBytes) : budget_(budget_bytes) {}

  // The key of `corpus` tokenised by `tokenizer_id`; an error when a pattern matches nothing
  // or a file cannot be stat()ed (the pass then reports it as it always did).
  static Result<std::string> Key(const CorpusOptions& corpus, const std::string& tokenizer_id);

  // The stored entry, or null. The pointer is valid until the next Insert.
  const Entry* Find(const std::string& key) const;

  // Keeps `entry` if entry.bytes fits the budget, evicting the oldest entries to make room.
  // Returns whether it was kept.
  bool Insert(const std::string& key, Entry entry);

  // The bytes one document takes in an entry (what Entry::bytes sums).
  static size_t DocBytes(const Doc& doc);

  size_t budget() const { return budget_; }
  size_t bytes() const { return bytes_; }
  size_t hits() const { return hits_; }

 private:
  size_t budget_;
  size_t bytes_ = 0;
  mutable size_t hits_ = 0;
  std::list<std::pair<std::string, Entry>> entries_;  // oldest first
};

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_CORPUS_TOKEN_CACHE_H_
