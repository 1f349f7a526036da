#include "audits/ngram/ngram_set.h"

#include <algorithm>

namespace mnemo {
namespace ngram {
namespace {

unsigned Log2Ceil(size_t x) {
  unsigned b = 0;
  while ((size_t{1} << b) < x) ++b;
  return b;
}

// Directory bits: about four keys per bucket; prefilter words: about 10 bits per key.
unsigned DirBits(size_t n) {
  return std::max(1u, Log2Ceil(std::max<size_t>(1, n / 4)));
}
unsigned BloomBits(size_t n) {
  return std::max(1u, Log2Ceil(std::max<size_t>(1, n * 10 / 64)));
}

}  // namespace

void NgramSet::Build(std::vector<uint64_t> keys) {
  if (!std::is_sorted(keys.begin(), keys.end())) std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  keys_ = std::move(keys);
  keys_.shrink_to_fit();
  size_t n = keys_.size();
  unsigned db = DirBits(n);
  dir_shift_ = 64 - db;
  dir_.assign((size_t{1} << db) + 1, 0);
  // dir_[b] = first key whose top bits are >= b.
  size_t k = 0;
  for (size_t b = 0; b < (size_t{1} << db); ++b) {
    while (k < n && (keys_[k] >> dir_shift_) < b) ++k;
    dir_[b] = static_cast<uint32_t>(k);
  }
  dir_.back() = static_cast<uint32_t>(n);
  unsigned bb = BloomBits(n);
  bloom_.assign(size_t{1} << bb, 0);
  bloom_mask_ = (uint64_t{1} << bb) - 1;
  for (uint64_t h : keys_) bloom_[h & bloom_mask_] |= BloomMask(h);
}

size_t NgramSet::MemoryBytes() const {
  return keys_.capacity() * sizeof(uint64_t) + dir_.capacity() * sizeof(uint32_t) +
         bloom_.capacity() * sizeof(uint64_t);
}

size_t NgramSet::EstimateBytes(size_t n) {
  return n * sizeof(uint64_t) + ((size_t{1} << DirBits(n)) + 1) * sizeof(uint32_t) +
         (size_t{1} << BloomBits(n)) * sizeof(uint64_t);
}

void BlockedBloom::Build(const std::vector<uint64_t>& keys, size_t bits_per_key) {
  unsigned b = std::max(1u, Log2Ceil(std::max<size_t>(1, keys.size() * bits_per_key / 64)));
  words_.assign(size_t{1} << b, 0);
  mask_ = (uint64_t{1} << b) - 1;
  for (uint64_t h : keys) words_[h & mask_] |= Mask(h);
}

}  // namespace ngram
}  // namespace mnemo
