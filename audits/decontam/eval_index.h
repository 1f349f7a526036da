// The eval side's n-gram index: every n-gram of every item, hashed (64 bits), boilerplate
// removed, in a compact membership set (ngram::NgramSet) with postings n-gram -> items.
//
// Boilerplate: an n-gram occurring in more than `boilerplate` distinct item texts is not
// evidence about one item (a task's fixed wording, a passage or name shared by several
// items); it is dropped from the set and from every item's n-gram list (numerator and
// denominator of its overlap). 0 keeps all. Items are counted by text: items whose unit
// sequences are identical (two tasks rendering the same documents, a duplicated item) count
// once, so duplicating a benchmark never hides it. The audit's default is 1: only n-grams
// specific to one item text count (audit.h says why).
// Kept n-grams held by two or more item texts (possible only with boilerplate 0 or >= 2) are
// marked shared(g), so a verdict can tell items dirty only through text they share with
// other items (methods.h, ItemVerdict::shared_only).
//
// Short items (GPT-3's rule): an item with fewer units than n, but at least one, is
// represented by its whole unit sequence (one "n-gram" of its own length) when short_items is
// on, so it is dirty when it occurs whole in the corpus; when off (lm-eval's janitor) it has
// no n-grams and can never be dirty.
//
// Thread-safety: immutable after Build.
#ifndef MNEMO_AUDITS_DECONTAM_EVAL_INDEX_H_
#define MNEMO_AUDITS_DECONTAM_EVAL_INDEX_H_

#include <cstdint>
#include <vector>

#include "audits/decontam/eval_items.h"
#include "audits/decontam/units.h"
#include "audits/ngram/ngram_set.h"
#include "harness/core/status.h"

namespace mnemo {
namespace decontam {

struct IndexOptions {
  size_t n = 13;
  size_t boilerplate = 0;  // 0: keep every n-gram
  bool short_items = false;
};

struct IndexStats {
  size_t items = 0;
  size_t positions = 0;             // n-gram positions over all items
  size_t distinct = 0;              // distinct n-grams before boilerplate removal
  size_t boilerplate_distinct = 0;  // distinct n-grams dropped as boilerplate
  size_t kept = 0;                  // distinct n-grams in the set
  size_t shared_kept = 0;           // of which held by two or more item texts
  size_t duplicate_items = 0;       // items whose unit sequence repeats an earlier item's
  size_t short_items = 0;           // items represented whole
  size_t empty_items = 0;           // items with no n-gram left (too short, or all boilerplate)
  size_t filter_keys = 0;  // distinct keys of the scan's filter: adjacent unit pairs or units
};

class EvalIndex {
 public:
  static constexpr size_t kMaxN = 255;
  // Items are unitised and hashed in parallel (oneTBB; `encoder` must be thread-safe, as
  // units.h requires); the index does not depend on the thread count.
  static Result<EvalIndex> Build(const std::vector<EvalItem>& items, const TokenEncoder* encoder,
                                 const IndexOptions& options);

  const ngram::NgramSet& set() const { return set_; }
  // The units of every kept n-gram: a corpus unit outside it can be in no matching n-gram, so
  // the scan resets its window there and hashes/looks up only runs of vocabulary units.
  // Built only when !uses_pairs().
  const ngram::BlockedBloom& vocab() const { return vocab_; }
  // With n >= 2 and no short items, the adjacent unit pairs of every kept n-gram
  // (PairKey(a, b)) replace the vocabulary: a window can match only if its n - 1 adjacent
  // pairs all are in it, a far rarer event than n vocabulary units in a row, since common
  // words are in every vocabulary. Built only when uses_pairs().
  bool uses_pairs() const { return uses_pairs_; }
  const ngram::BlockedBloom& pairs() const { return pairs_; }
  static uint64_t PairKey(uint64_t a, uint64_t b) {
    const unsigned __int128 r =
        static_cast<unsigned __int128>(a ^ 0x8ebc6af09c88c6e3ULL) * (b ^ 0x589965cc75374cc3ULL);
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
  }
  size_t n() const { return n_; }
  // Lengths (< n) of short items represented whole; the scan hashes these lengths too.
  const std::vector<size_t>& short_lengths() const { return short_lengths_; }

  // Calls f(item) for each item holding the n-gram of rank g.
  template <typename F>
  void ForEachItem(uint32_t g, F&& f) const {
    uint32_t v = item_of_[g];
    if ((v & kMulti) == 0) {
      f(v);
      return;
    }
    uint32_t k = v & ~kMulti;
    for (uint32_t i = multi_off_[k]; i < multi_off_[k + 1]; ++i) f(multi_items_[i]);
  }

  // Whether the kept n-gram of rank g is held by two or more distinct item texts.
  bool shared(uint32_t g) const { return (shared_[g >> 6] >> (g & 63)) & 1; }

  size_t items() const { return grams_.size(); }
  // Item i's n-grams in position order: the rank in set(), or -1 for boilerplate.
  const std::vector<int32_t>& grams(size_t i) const { return grams_[i]; }
  size_t units(size_t i) const { return units_[i]; }
  bool is_short(size_t i) const { return short_[i] != 0; }
  const IndexStats& stats() const { return stats_; }
  // Identifies the index (n-grams kept, n, options) so shard results can be checked.
  uint64_t fingerprint() const { return fingerprint_; }
  // Bytes of the membership set alone, and of set + unit filter + postings.
  size_t SetBytes() const { return set_.MemoryBytes(); }
  size_t MemoryBytes() const;

 private:
  static constexpr uint32_t kMulti = 0x80000000u;
  size_t n_ = 13;
  ngram::NgramSet set_;
  ngram::BlockedBloom vocab_;
  ngram::BlockedBloom pairs_;
  bool uses_pairs_ = false;
  std::vector<uint64_t> shared_;  // bitset over ranks
  std::vector<uint32_t> item_of_;
  std::vector<uint32_t> multi_off_, multi_items_;
  std::vector<std::vector<int32_t>> grams_;
  std::vector<uint32_t> units_;
  std::vector<uint8_t> short_;
  std::vector<size_t> short_lengths_;
  IndexStats stats_;
  uint64_t fingerprint_ = 0;
};

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_EVAL_INDEX_H_
