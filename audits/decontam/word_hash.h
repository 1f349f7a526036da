// Decontamination's word units, fused: janitor normalisation (janitor.h) and the unit hash in
// one pass over the raw text, without materialising words.
//
// The unit hash of a normalised word w (any length >= 1) is defined on 16-byte chunks of w,
// the last one zero-padded, with little-endian halves lo, hi: h = 0; each chunk but the last
// h = Fold(h, lo, hi); the unit is Last(h, lo, hi, |w|) of the last chunk. Both are one
// 64x64->128-bit multiply folded to 64 bits (wyhash's mix), so a word of <= 16 bytes, nearly
// every word, costs one multiply. HashWordInline(w) computes it directly;
// ForEachJanitorWordHash gives the same value for every raw word normalising to w. (Not
// ngram::HashUnit's XXH3: a chunk hash can be taken straight from the 64-byte window the SIMD
// classifier has loaded.) Values are stable within a build, not a file format.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_DECONTAM_WORD_HASH_H_
#define MNEMO_AUDITS_DECONTAM_WORD_HASH_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "audits/decontam/janitor.h"

namespace mnemo {
namespace decontam {
namespace word_hash {

constexpr uint64_t kK1 = 0xa0761d6478bd642fULL;  // wyhash's secrets
constexpr uint64_t kK2 = 0xe7037ed1a0b428dbULL;
constexpr uint64_t kK3 = 0x8ebc6af09c88c6e3ULL;

inline uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
// A chunk that is not the word's last.
inline uint64_t Fold(uint64_t h, uint64_t lo, uint64_t hi) {
  return Mix(lo ^ h ^ kK1, hi ^ kK3);
}
// The last chunk, and the word's length.
inline uint64_t Last(uint64_t h, uint64_t lo, uint64_t hi, size_t len) {
  return Mix(lo ^ h ^ kK1, hi ^ kK2 ^ len);
}

// Skips whitespace (ASCII and Unicode) from i, then normalises and hashes the word there,
// setting *hash and *begin if it keeps any byte (else *begin = SIZE_MAX). Returns the index
// after the word (> i unless i == n). The exact, byte-at-a-time path; out of line and free of
// the caller's callback, so the caller's per-word state can stay in registers.
__attribute__((noinline)) inline size_t ScalarWord(const unsigned char* s, size_t i, size_t n,
                                                   uint64_t* hash, size_t* begin) {
  *begin = SIZE_MAX;
  using janitor_detail::kClass;
  i = janitor_detail::SkipSpaces(s, i, n);
  if (i >= n) return n;
  const size_t start = i;
  uint64_t h = 0;
  unsigned char buf[16] = {};
  size_t k = 0, len = 0;
  for (; i < n; ++i) {
    unsigned b = s[i];
    uint8_t c = kClass[b];
    if (c == 2) continue;  // punctuation: deleted
    if (c == 3) break;
    if (c == 4 && janitor_detail::UnicodeSpaceLen(s, i, n) != 0) break;
    if (k == 16) {
      h = Fold(h, Load64(buf), Load64(buf + 8));
      std::memset(buf, 0, 16);
      k = 0;
    }
    buf[k++] = static_cast<unsigned char>(c == 1 ? (b | 0x20) : b);
    ++len;
  }
  if (len != 0) {
    *hash = Last(h, Load64(buf), Load64(buf + 8), len);
    *begin = start;
  }
  return i;
}

#if defined(__SSE2__)
// Bytes of v in [lo, hi] (unsigned), as 0xFF lanes.
inline __m128i InRange(__m128i v, unsigned lo, unsigned hi) {
  __m128i t = _mm_xor_si128(_mm_sub_epi8(v, _mm_set1_epi8(static_cast<char>(lo))),
                            _mm_set1_epi8(static_cast<char>(0x80)));
  return _mm_cmplt_epi8(t, _mm_set1_epi8(static_cast<char>((hi - lo + 1) ^ 0x80)));
}

inline uint64_t LowMask(unsigned bits) {  // bits < 64
  return (uint64_t{1} << bits) - 1;
}

// The bytes of the first and second 8-byte half that a word of k <= 16 bytes keeps.
constexpr uint64_t KeepMask(int k) {
  return k <= 0 ? 0 : k >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * k)) - 1;
}
constexpr uint64_t kKeepLo[17] = {
    KeepMask(0),  KeepMask(1),  KeepMask(2),  KeepMask(3),  KeepMask(4),  KeepMask(5),
    KeepMask(6),  KeepMask(7),  KeepMask(8),  KeepMask(9),  KeepMask(10), KeepMask(11),
    KeepMask(12), KeepMask(13), KeepMask(14), KeepMask(15), KeepMask(16)};
constexpr uint64_t kKeepHi[17] = {
    KeepMask(-8), KeepMask(-7), KeepMask(-6), KeepMask(-5), KeepMask(-4), KeepMask(-3),
    KeepMask(-2), KeepMask(-1), KeepMask(0),  KeepMask(1),  KeepMask(2),  KeepMask(3),
    KeepMask(4),  KeepMask(5),  KeepMask(6),  KeepMask(7),  KeepMask(8)};
#endif

}  // namespace word_hash

inline uint64_t HashWordInline(std::string_view w) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(w.data());
  uint64_t h = 0;
  size_t i = 0;
  for (; w.size() - i > 16; i += 16)
    h = word_hash::Fold(h, word_hash::Load64(p + i), word_hash::Load64(p + i + 8));
  unsigned char c[16] = {0};
  if (w.size() > i) std::memcpy(c, p + i, w.size() - i);
  return word_hash::Last(h, word_hash::Load64(c), word_hash::Load64(c + 8), w.size());
}

// ForEachJanitorWord and the unit hash in one pass: calls f(hash, begin, end) for each
// non-empty normalised word, [begin, end) its raw bytes. With SSE2, 64-byte windows (the
// last one padded with spaces) are
// classified at once (ASCII whitespace, punctuation, non-ASCII bitmasks); a word of ASCII
// letters and digits, with punctuation at most at its ends and <= 16 bytes kept, is hashed
// from the (lower-cased) window in a few instructions; other ASCII words gather their kept
// bytes by bitmask; words with non-ASCII bytes or of >= 64 bytes take the exact scalar path.
template <typename F>
void ForEachJanitorWordHash(std::string_view text, F&& f) {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  // The exact path for the word at (or after whitespace from) `at`; returns its end.
  auto scalar = [&](size_t at) __attribute__((always_inline)) {
    uint64_t hash = 0;
    size_t begin;
    const size_t e = word_hash::ScalarWord(s, at, n, &hash, &begin);
    if (begin != SIZE_MAX) f(hash, begin, e);
    return e;
  };
#if defined(__SSE2__)
  using namespace word_hash;
  // The window (a copy, so the last one can be padded with spaces), then 16 bytes for chunk
  // loads that run past it.
  alignas(16) unsigned char wb[80];
  std::memset(wb + 64, 0, 16);
  while (i < n) {
    if (n - i >= 64) {
      for (int k = 0; k < 4; ++k)
        _mm_store_si128(reinterpret_cast<__m128i*>(wb + 16 * k),
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 16 * k)));
    } else {
      std::memcpy(wb, s + i, n - i);
      std::memset(wb + (n - i), ' ', 64 - (n - i));
    }
    uint64_t ws = 0, punct = 0, high = 0;
    for (int k = 0; k < 4; ++k) {
      __m128i v = _mm_load_si128(reinterpret_cast<const __m128i*>(wb + 16 * k));
      const __m128i letter = InRange(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
      // Lower-case ASCII in the window (setting 0x20 on every letter): words hashed from it
      // need no per-word folding.
      _mm_store_si128(reinterpret_cast<__m128i*>(wb + 16 * k),
                      _mm_or_si128(v, _mm_and_si128(letter, _mm_set1_epi8(0x20))));
      __m128i w = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                               _mm_or_si128(InRange(v, 0x09, 0x0D), InRange(v, 0x1C, 0x1F)));
      __m128i alnum = _mm_or_si128(InRange(v, '0', '9'), letter);
      __m128i p = _mm_andnot_si128(alnum, InRange(v, 0x21, 0x7E));
      ws |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(w))) << (16 * k);
      punct |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(p))) << (16 * k);
      high |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(v))) << (16 * k);
    }
    uint64_t pending = ~ws;  // word bytes not yet consumed
    for (;;) {
      if (pending == 0) {
        i += 64;
        break;
      }
      const unsigned st = static_cast<unsigned>(__builtin_ctzll(pending));
      const uint64_t after = ws & ~LowMask(st);
      if (after == 0) {  // the word runs past the window (not the last): reload at its start
        i = st == 0 ? scalar(i) : i + st;
        break;
      }
      const unsigned en = static_cast<unsigned>(__builtin_ctzll(after));
      const uint64_t word = LowMask(en) & ~LowMask(st);
      pending &= ~LowMask(en);
      // The common case, one well-predicted branch: ASCII, at most 16 kept bytes in one run
      // (letters and digits, punctuation only at the ends: "word," "(word)"), hashed
      // straight from the lower-cased window.
      const uint64_t keep = word & ~punct;
      const unsigned lead = static_cast<unsigned>(__builtin_ctzll(keep | (uint64_t{1} << 63)));
      const unsigned last = 63 - static_cast<unsigned>(__builtin_clzll(keep | 1));
      const unsigned kl = last + 1 - lead;  // huge (unsigned) when nothing is kept
      const uint64_t run = (uint64_t{2} << ((kl - 1) & 63)) - 1;  // kl low bits when kl <= 63
      if (((high & word) == 0) & (kl <= 16) & ((keep >> lead) == run)) {
        const unsigned char* w = wb + lead;
        const uint64_t lo = Load64(w) & kKeepLo[kl];
        const uint64_t hi = Load64(w + 8) & kKeepHi[kl];
        f(Last(0, lo, hi, kl), i + st, i + en);
        continue;
      }
      if ((high & word) == 0) {
        if (keep == 0) continue;  // punctuation only: the word vanishes
        // Punctuation inside (don't, 3.5, e-mail) or > 16 bytes: gather the kept bytes by
        // their bits.
        uint64_t rest = keep;
        uint64_t h = 0;
        unsigned char buf[16] = {};
        size_t k = 0, kept = 0;
        while (rest != 0) {
          if (k == 16) {
            h = Fold(h, Load64(buf), Load64(buf + 8));
            std::memset(buf, 0, 16);
            k = 0;
          }
          buf[k++] = wb[__builtin_ctzll(rest)];
          rest &= rest - 1;
          ++kept;
        }
        f(Last(h, Load64(buf), Load64(buf + 8), kept), i + st, i + en);
        continue;
      }
      const size_t e = scalar(i + st);
      if (e != i + en) {  // a Unicode space ended the word early: reload there
        i = e;
        break;
      }
    }
  }
#else
  while (i < n) i = scalar(i);
#endif
}

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_WORD_HASH_H_
