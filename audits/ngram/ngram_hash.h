// 64-bit n-gram hashing shared by the memorisation audit (suffix-window duplication counts)
// and decontamination (benchmark n-grams in training corpora).
//
// A unit (a word, a token id) is hashed once to 64 bits; an n-gram's hash is a polynomial
// rolling hash of its units' hashes mod 2^64, finished with a bit mixer, so sliding the
// window costs two multiplies. Equal unit sequences give equal hashes in any process; a
// collision between different n-grams has probability about 2^-64 per pair.
//
// Thread-safety: RollingNgramHash is a value; one per thread.
#ifndef MNEMO_AUDITS_NGRAM_NGRAM_HASH_H_
#define MNEMO_AUDITS_NGRAM_NGRAM_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mnemo {
namespace ngram {

// The hash of one unit: a word's bytes, or a token id.
uint64_t HashUnit(std::string_view bytes);
uint64_t HashUnit(int32_t token_id);

// Murmur3's 64-bit finaliser: spreads the rolling hash's bits for table lookups.
inline uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Slides a window of n unit hashes. Push a unit; once n units are in, full() is true and
// value() is the hash of the last n.
class RollingNgramHash {
 public:
  // The polynomial's base: value() is Mix(sum u_i * kBase^(n-1-i) + n) over the last n units
  // (mod 2^64), so callers may roll the same hash inline.
  static constexpr uint64_t kBase = 0x9e3779b97f4a7c15ULL;  // odd

  explicit RollingNgramHash(size_t n);
  void Push(uint64_t unit_hash) {
    if (count_ >= n_) h_ -= ring_[pos_] * base_pow_;
    h_ = h_ * kBase + unit_hash;
    ring_[pos_] = unit_hash;
    if (++pos_ == n_) pos_ = 0;  // no division on the hot path
    ++count_;
  }
  bool full() const { return count_ >= n_; }
  uint64_t value() const { return Mix(h_ + n_); }  // n in the hash: lengths never collide
  // Forgets every unit (a document boundary: n-grams never span two documents).
  void Reset();
  size_t n() const { return n_; }

 private:
  size_t n_;
  uint64_t base_pow_;  // kBase^(n-1)
  uint64_t h_ = 0;
  size_t count_ = 0;
  std::vector<uint64_t> ring_;
  size_t pos_ = 0;
};

// The hash of one n-gram given its unit hashes; equals RollingNgramHash's value() after
// pushing the same units.
uint64_t HashNgram(const uint64_t* unit_hashes, size_t n);

}  // namespace ngram
}  // namespace mnemo

#endif  // MNEMO_AUDITS_NGRAM_NGRAM_HASH_H_
