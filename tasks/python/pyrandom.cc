#include "tasks/python/pyrandom.h"

#include <cmath>
#include <string>
#include <unordered_set>

namespace mnemo {
namespace {

constexpr int kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfU;
constexpr uint32_t kUpperMask = 0x80000000U;
constexpr uint32_t kLowerMask = 0x7fffffffU;

using i128 = __int128;

// Python's // (rounds toward negative infinity).
i128 FloorDiv(i128 a, i128 b) {
  i128 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int BitLength(uint64_t n) {
  int k = 0;
  while (n) ++k, n >>= 1;
  return k;
}

}  // namespace

void PyRandom::InitGenrand(uint32_t s) {
  mt_[0] = s;
  for (int i = 1; i < kN; ++i) {
    mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  mti_ = kN;
}

void PyRandom::SeedWords(const std::vector<uint32_t>& key_in) {
  // CPython passes at least one word, and drops none of the leading zero words it computes from
  // the bit length; trailing (most significant) zero words are absent from its key.
  std::vector<uint32_t> key = key_in;
  while (key.size() > 1 && key.back() == 0) key.pop_back();
  if (key.empty()) key.push_back(0);
  const size_t len = key.size();
  InitGenrand(19650218U);
  size_t i = 1, j = 0;
  for (size_t k = (static_cast<size_t>(kN) > len ? kN : len); k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] +
             static_cast<uint32_t>(j);
    ++i, ++j;
    if (i >= static_cast<size_t>(kN)) mt_[0] = mt_[kN - 1], i = 1;
    if (j >= len) j = 0;
  }
  for (size_t k = kN - 1; k; --k) {
    mt_[i] =
        (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) - static_cast<uint32_t>(i);
    ++i;
    if (i >= static_cast<size_t>(kN)) mt_[0] = mt_[kN - 1], i = 1;
  }
  mt_[0] = 0x80000000U;
}

void PyRandom::Seed(int64_t seed) {
  // abs() without overflow for INT64_MIN.
  uint64_t n = seed < 0 ? 0 - static_cast<uint64_t>(seed) : static_cast<uint64_t>(seed);
  SeedWords({static_cast<uint32_t>(n), static_cast<uint32_t>(n >> 32)});
}

void PyRandom::Twist() {
  // Branch-free mag01[y & 1] so the loops vectorise; same words as CPython's genrand_uint32.
  auto twist = [](uint32_t cur, uint32_t next, uint32_t far) {
    uint32_t y = (cur & kUpperMask) | (next & kLowerMask);
    return far ^ (y >> 1) ^ ((0U - (y & 0x1U)) & kMatrixA);
  };
  int kk;
  for (kk = 0; kk < kN - kM; ++kk) mt_[kk] = twist(mt_[kk], mt_[kk + 1], mt_[kk + kM]);
  for (; kk < kN - 1; ++kk) mt_[kk] = twist(mt_[kk], mt_[kk + 1], mt_[kk + (kM - kN)]);
  mt_[kN - 1] = twist(mt_[kN - 1], mt_[0], mt_[kM - 1]);
  for (int i = 0; i < kN; ++i) {
    uint32_t y = mt_[i];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    out_[i] = y;
  }
  mti_ = 0;
}

uint64_t PyRandom::GetRandBits(int k) {
  if (k <= 0) return 0;
  if (k <= 32) return GenRandUint32() >> (32 - k);
  uint64_t lo = GenRandUint32();              // first word: least significant 32 bits
  uint64_t hi = GenRandUint32() >> (64 - k);  // then the top k-32 bits
  return lo | (hi << 32);
}

uint64_t PyRandom::RandBelow(uint64_t n) {
  if (n == 0) return 0;
  int k = BitLength(n);
  uint64_t r = GetRandBits(k);
  while (r >= n) r = GetRandBits(k);
  return r;
}

Result<int64_t> PyRandom::RandRange(int64_t stop) {
  if (stop > 0) return static_cast<int64_t>(RandBelow(static_cast<uint64_t>(stop)));
  return Status::InvalidArgument("empty range for randrange()");
}

Result<int64_t> PyRandom::RandRange(int64_t start, int64_t stop, int64_t step) {
  i128 width = static_cast<i128>(stop) - start;
  if (step == 1) {
    if (width > 0) {
      return static_cast<int64_t>(start +
                                  static_cast<i128>(RandBelow(static_cast<uint64_t>(width))));
    }
    return Status::InvalidArgument("empty range for randrange() (" + std::to_string(start) + ", " +
                                   std::to_string(stop) + ", " +
                                   std::to_string(static_cast<int64_t>(width)) + ")");
  }
  i128 n;
  if (step > 0) {
    n = FloorDiv(width + step - 1, step);
  } else if (step < 0) {
    n = FloorDiv(width + step + 1, step);
  } else {
    return Status::InvalidArgument("zero step for randrange()");
  }
  if (n <= 0) return Status::InvalidArgument("empty range for randrange()");
  return static_cast<int64_t>(start + static_cast<i128>(step) *
                                          static_cast<i128>(RandBelow(static_cast<uint64_t>(n))));
}

Result<int64_t> PyRandom::RandInt(int64_t a, int64_t b) {
  if (b == INT64_MAX) return Status::InvalidArgument("randint upper bound overflows int64");
  return RandRange(a, b + 1);
}

Result<size_t> PyRandom::ChoiceIndex(size_t n) {
  if (n == 0) return Status::InvalidArgument("Cannot choose from an empty sequence");
  return static_cast<size_t>(RandBelow(n));
}

std::vector<size_t> PyRandom::ChoicesIndices(size_t n, size_t k) {
  std::vector<size_t> out(n == 0 ? 0 : k);
  const double dn = static_cast<double>(n);
  for (size_t& i : out) i = static_cast<size_t>(std::floor(Random() * dn));
  return out;
}

Result<std::vector<size_t>> PyRandom::SampleIndices(size_t n, size_t k) {
  if (k > n) return Status::InvalidArgument("Sample larger than population or is negative");
  std::vector<size_t> result(k);
  size_t setsize = 21;  // size of a small set minus size of an empty list (CPython's constant)
  if (k > 5) {
    // 4 ** _ceil(_log(k * 3, 4)); math.log(x, 4) is log(x) / log(4) in libm doubles.
    double e = std::ceil(std::log(static_cast<double>(k) * 3.0) / std::log(4.0));
    setsize = e >= 31 ? SIZE_MAX : setsize + (static_cast<size_t>(1) << (2 * static_cast<int>(e)));
  }
  if (n <= setsize) {
    std::vector<size_t> pool(n);
    for (size_t i = 0; i < n; ++i) pool[i] = i;
    for (size_t i = 0; i < k; ++i) {
      size_t j = static_cast<size_t>(RandBelow(n - i));
      result[i] = pool[j];
      pool[j] = pool[n - i - 1];
    }
  } else {
    std::unordered_set<size_t> selected;
    selected.reserve(k);
    for (size_t i = 0; i < k; ++i) {
      size_t j = static_cast<size_t>(RandBelow(n));
      while (selected.count(j)) j = static_cast<size_t>(RandBelow(n));
      selected.insert(j);
      result[i] = j;
    }
  }
  return result;
}

std::vector<size_t> PyRandom::ShufflePermutation(size_t n) {
  std::vector<size_t> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = i;
  Shuffle(x);
  return x;
}

}  // namespace mnemo
