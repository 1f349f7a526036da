// A compact, immutable membership structure for 64-bit n-gram hashes (decontamination's eval
// side, scanned against every n-gram of a corpus).
//
// Layout, for n distinct keys:
//   - the keys, sorted (8 bytes each); a key's rank is its index, used by callers for
//     postings and "matched" bitsets;
//   - a bucket directory over the keys' top bits, one uint32 offset per ~4 keys (~1 byte/key);
//   - a register-blocked Bloom prefilter: one 64-bit word per key lookup, 4 bits set per key,
//     ~10 bits per key (~1.25 bytes/key, false-positive rate about 2%).
// So about 10.3 bytes per distinct key. A lookup that misses (the common case in a scan)
// touches one word of the prefilter; a hit then reads one directory entry and a short run of
// keys. Keys must be well mixed (RollingNgramHash values are).
//
// Thread-safety: immutable after Build; Find and MayContain are safe from any number of
// threads.
#ifndef MNEMO_AUDITS_NGRAM_NGRAM_SET_H_
#define MNEMO_AUDITS_NGRAM_NGRAM_SET_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mnemo {
namespace ngram {

class NgramSet {
 public:
  // Replaces the contents with `keys` (duplicates removed).
  void Build(std::vector<uint64_t> keys);

  // The rank of `h` among the sorted keys, or -1.
  int64_t Find(uint64_t h) const {
    if (keys_.empty()) return -1;
    uint64_t m = BloomMask(h);
    if ((bloom_[h & bloom_mask_] & m) != m) return -1;
    size_t b = static_cast<size_t>(h >> dir_shift_);
    for (uint32_t i = dir_[b], e = dir_[b + 1]; i < e; ++i) {
      if (keys_[i] == h) return i;
      if (keys_[i] > h) break;
    }
    return -1;
  }

  // The prefilter alone: false means Find(h) is -1. One load; callers probing many keys
  // (the scan) filter a batch with it first so the loads overlap.
  bool MayContain(uint64_t h) const {
    if (keys_.empty()) return false;
    uint64_t m = BloomMask(h);
    return (bloom_[h & bloom_mask_] & m) == m;
  }

  size_t size() const { return keys_.size(); }
  const std::vector<uint64_t>& keys() const { return keys_; }
  // Bytes held by the structure (keys + directory + prefilter).
  size_t MemoryBytes() const;
  // Bytes Build would hold for `n` distinct keys (a pre-flight estimate).
  static size_t EstimateBytes(size_t n);

 private:
  static uint64_t BloomMask(uint64_t h) {
    return (1ULL << ((h >> 40) & 63)) | (1ULL << ((h >> 46) & 63)) | (1ULL << ((h >> 52) & 63)) |
           (1ULL << ((h >> 58) & 63));
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> dir_;
  std::vector<uint64_t> bloom_;
  uint64_t bloom_mask_ = 0;
  unsigned dir_shift_ = 64;
};

// A register-blocked Bloom filter over well-mixed 64-bit hashes (e.g. the eval side's unit
// vocabulary, probed once per corpus word, so the probe is kept short): one 64-bit word per
// query, 2 bits per key, bits_per_key rounded up to a power-of-two table. No false negatives;
// with 16 bits per key about 2% false positives. Small enough to stay in L1/L2 for
// vocabularies of 10^4-10^5 keys.
//
// Thread-safety: immutable after Build; MayContain is safe from any number of threads.
class BlockedBloom {
 public:
  void Build(const std::vector<uint64_t>& keys, size_t bits_per_key = 16);
  // False for every key when built from no keys.
  bool MayContain(uint64_t h) const {
    uint64_t m = Mask(h);
    return (words_[h & mask_] & m) == m;
  }
  size_t MemoryBytes() const { return words_.capacity() * sizeof(uint64_t); }

 private:
  static uint64_t Mask(uint64_t h) { return (1ULL << ((h >> 52) & 63)) | (1ULL << (h >> 58)); }
  std::vector<uint64_t> words_ = std::vector<uint64_t>(1, 0);
  uint64_t mask_ = 0;
};

}  // namespace ngram
}  // namespace mnemo

#endif  // MNEMO_AUDITS_NGRAM_NGRAM_SET_H_
