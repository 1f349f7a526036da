#include "audits/pii/truffle.h"

#include <algorithm>

#if MNEMO_PII_X86
#include <immintrin.h>
#endif

namespace mnemo::pii {

void TruffleTables(const std::bitset<256>& set, uint8_t* low, uint8_t* high) {
  std::fill(low, low + 16, uint8_t{0});
  std::fill(high, high + 16, uint8_t{0});
  for (int b = 0; b < 256; ++b) {
    if (!set.test(static_cast<size_t>(b))) continue;
    if (b < 0x80) {
      low[b & 15] |= static_cast<uint8_t>(1u << (b >> 4));
    } else {
      high[b & 15] |= static_cast<uint8_t>(1u << ((b >> 4) - 8));
    }
  }
}

#if MNEMO_PII_X86
namespace {

// 0xFF in the bytes of v that are in the set of truffle tables low/high (Hyperscan's
// "truffle": a byte's low nibble picks a table entry, its high nibble a bit of it).
__attribute__((target("avx2"))) inline __m256i TruffleMatch(__m256i v, __m256i low, __m256i high) {
  const __m256i top = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i bits = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128,
                                        1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  // pshufb gives 0 where the index byte has its top bit set: `low` answers bytes below 0x80,
  // `high` (indexed by the byte with its top bit flipped) the others.
  const __m256i lo = _mm256_shuffle_epi8(low, v);
  const __m256i hi = _mm256_shuffle_epi8(high, _mm256_xor_si256(v, top));
  const __m256i bit = _mm256_shuffle_epi8(bits, _mm256_andnot_si256(top, _mm256_srli_epi64(v, 4)));
  const __m256i hit = _mm256_and_si256(_mm256_or_si256(lo, hi), bit);
  return _mm256_xor_si256(_mm256_cmpeq_epi8(hit, _mm256_setzero_si256()), _mm256_set1_epi8(-1));
}

__attribute__((target("avx2"))) inline __m256i Tables(const uint8_t* t16) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t16)));
}

}  // namespace

__attribute__((target("avx2"))) void MaskWordsAvx2(const unsigned char* p, size_t words,
                                                   const uint8_t* const* tables, size_t num_tables,
                                                   uint64_t* const* out) {
  for (size_t k = 0; k < num_tables; ++k) {
    const __m256i low = Tables(tables[k]), high = Tables(tables[k] + 16);
    uint64_t* o = out[k];
    for (size_t w = 0; w < words; ++w) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64 * w));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64 * w + 32));
      const uint32_t ma = static_cast<uint32_t>(_mm256_movemask_epi8(TruffleMatch(a, low, high)));
      const uint32_t mb = static_cast<uint32_t>(_mm256_movemask_epi8(TruffleMatch(b, low, high)));
      o[w] = uint64_t{ma} | uint64_t{mb} << 32;
    }
  }
}

__attribute__((target("avx2"))) bool HasPairAvx2(const unsigned char* p, size_t len,
                                                 const uint8_t* fl, const uint8_t* fh,
                                                 const uint8_t* sl, const uint8_t* sh,
                                                 size_t* done) {
  const __m256i first_low = Tables(fl), first_high = Tables(fh);
  const __m256i second_low = Tables(sl), second_high = Tables(sh);
  size_t j = 0;
  for (; j + 33 <= len; j += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + j));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + j + 1));
    const __m256i hit = _mm256_and_si256(TruffleMatch(a, first_low, first_high),
                                         TruffleMatch(b, second_low, second_high));
    if (_mm256_movemask_epi8(hit) != 0) {
      *done = j;
      return true;
    }
  }
  *done = j;
  return false;
}

__attribute__((target("avx2"))) void ExtendRunAvx2(const unsigned char* t, size_t n, const bool* in,
                                                   const uint8_t* truffle, size_t* lo, size_t* hi) {
  const __m256i low = Tables(truffle), high = Tables(truffle + 16);
  size_t h = *hi;
  while (true) {
    if (h + 32 > n) {
      while (h < n && in[t[h]]) ++h;
      break;
    }
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + h));
    const uint32_t out = ~static_cast<uint32_t>(_mm256_movemask_epi8(TruffleMatch(v, low, high)));
    if (out != 0) {
      h += static_cast<size_t>(__builtin_ctz(out));
      break;
    }
    h += 32;
  }
  size_t l = *lo;
  while (true) {
    if (l < 32) {
      while (l > 0 && in[t[l - 1]]) --l;
      break;
    }
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + l - 32));
    const uint32_t out = ~static_cast<uint32_t>(_mm256_movemask_epi8(TruffleMatch(v, low, high)));
    if (out != 0) {
      l = l - 32 + static_cast<size_t>(31 - __builtin_clz(out)) + 1;
      break;
    }
    l -= 32;
  }
  *lo = l;
  *hi = h;
}
#endif

}  // namespace mnemo::pii
