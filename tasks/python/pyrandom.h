// A bit-exact port of CPython 3.11's random.Random (Mersenne Twister MT19937) for integer
// seeds. lm-eval draws few-shot examples with random.Random(1234).sample(docs, n) and bootstraps
// standard errors with random.Random(i).choices(xs, k=len(xs)); mnemo must draw the same items.
//
// Contract: for the same seed and the same sequence of calls, every method returns exactly what
// the CPython method of the same name returns (Lib/random.py and Modules/_randommodule.c, 3.11).
// Methods whose Python counterpart raises ValueError/IndexError return an error Status instead.
// Not thread-safe; copyable (copies continue the same stream independently).
#ifndef MNEMO_TASKS_PYTHON_PYRANDOM_H_
#define MNEMO_TASKS_PYTHON_PYRANDOM_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "harness/core/status.h"

namespace mnemo {

class PyRandom {
 public:
  // random.Random(seed): CPython seeds with init_by_array over the 32-bit words of abs(seed).
  explicit PyRandom(int64_t seed = 0) { Seed(seed); }

  void Seed(int64_t seed);
  // Seeds from the little-endian 32-bit words of a non-negative integer of any size (CPython's
  // key; {} or {0} both mean 0). Lets callers reproduce seeds wider than 64 bits.
  void SeedWords(const std::vector<uint32_t>& key);

  uint32_t GenRandUint32() {
    if (mti_ >= kN) Twist();
    return out_[mti_++];
  }
  // random(): 53-bit float in [0, 1).
  double Random() {
    uint32_t a = GenRandUint32() >> 5, b = GenRandUint32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }
  // getrandbits(k) for 0 <= k <= 64 (the words are consumed low to high, as CPython does).
  uint64_t GetRandBits(int k);
  // _randbelow(n) = _randbelow_with_getrandbits: rejection sampling on getrandbits(bit_length(n)).
  // Requires n >= 1 (CPython loops forever on 0; here 0 returns 0).
  uint64_t RandBelow(uint64_t n);

  Result<int64_t> RandRange(int64_t stop);
  Result<int64_t> RandRange(int64_t start, int64_t stop, int64_t step = 1);
  Result<int64_t> RandInt(int64_t a, int64_t b);  // randrange(a, b + 1)

  // choice(seq): an index into a sequence of length n; error when n == 0.
  Result<size_t> ChoiceIndex(size_t n);
  // choices(population, k=k) without weights: floor(random() * n) per pick. n must be > 0
  // unless k == 0 (CPython raises IndexError; here an empty result).
  std::vector<size_t> ChoicesIndices(size_t n, size_t k);
  // sample(range(n), k): 3.11's algorithm (pool-based when n <= setsize, else set-based).
  Result<std::vector<size_t>> SampleIndices(size_t n, size_t k);
  // shuffle(range(n)) as a permutation: result[i] is the original index now at position i.
  std::vector<size_t> ShufflePermutation(size_t n);

  template <typename T>
  Result<T> Choice(const std::vector<T>& seq) {
    auto i = ChoiceIndex(seq.size());
    if (!i.ok()) return i.status();
    return seq[*i];
  }
  template <typename T>
  std::vector<T> Choices(const std::vector<T>& population, size_t k) {
    std::vector<T> out;
    out.reserve(k);
    for (size_t i : ChoicesIndices(population.size(), k)) out.push_back(population[i]);
    return out;
  }
  template <typename T>
  Result<std::vector<T>> Sample(const std::vector<T>& population, size_t k) {
    auto idx = SampleIndices(population.size(), k);
    if (!idx.ok()) return idx.status();
    std::vector<T> out;
    out.reserve(k);
    for (size_t i : *idx) out.push_back(population[i]);
    return out;
  }
  template <typename T>
  void Shuffle(std::vector<T>& x) {
    for (size_t i = x.size(); i-- > 1;) {
      size_t j = static_cast<size_t>(RandBelow(i + 1));
      std::swap(x[i], x[j]);
    }
  }

 private:
  static constexpr int kN = 624;
  void InitGenrand(uint32_t s);
  void Twist();  // regenerates the 624 words and tempers them into out_
  uint32_t mt_[kN];
  uint32_t out_[kN];  // tempered outputs (a separate pass vectorises; the bootstrap needs speed)
  int mti_ = kN + 1;
};

}  // namespace mnemo

#endif  // MNEMO_TASKS_PYTHON_PYRANDOM_H_
