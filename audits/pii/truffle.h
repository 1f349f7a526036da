// Byte sets as "truffle" tables (Hyperscan's: a byte's low nibble picks a table entry, its high
// nibble a bit of it; one table for bytes below 0x80, one for the others) and the AVX2 kernels
// that test 32 text bytes at a time against them: the SIMD part of the window scan
// (window_scan.h), whose tables the prefilter plan builds (prefilter_plan.h).
//
// Contract: the kernels read only the bytes they are given (the caller keeps loads inside the
// text) and write only through their out-pointers. They exist only where MNEMO_PII_X86 is 1 and
// may be called only when the CPU has AVX2 (PrefilterPlan::use_avx2, checked at run time); the
// callers keep a scalar path that gives the same answer.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_PII_TRUFFLE_H_
#define MNEMO_AUDITS_PII_TRUFFLE_H_

#include <bitset>
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MNEMO_PII_X86 1
#else
#define MNEMO_PII_X86 0
#endif

namespace mnemo::pii {

// Truffle tables of a byte set: entry low nibble, bit high nibble, for bytes below 0x80 in
// `low` and the others in `high` (16 bytes each).
void TruffleTables(const std::bitset<256>& set, uint8_t* low, uint8_t* high);

#if MNEMO_PII_X86
// For `words` words of 64 bytes at p: out[k][w] bit j set when p[64 w + j] is in the set of
// truffle tables tables[k] (low nibble table, then high), for k < num_tables.
__attribute__((target("avx2"))) void MaskWordsAvx2(const unsigned char* p, size_t words,
                                                   const uint8_t* const* tables, size_t num_tables,
                                                   uint64_t* const* out);

// Whether p[j] is in the first set and p[j + 1] in the second for some j + 1 < len; looks at
// the first len - len % 32 - 1 pair starts at most (*done says how many it looked at).
__attribute__((target("avx2"))) bool HasPairAvx2(const unsigned char* p, size_t len,
                                                 const uint8_t* fl, const uint8_t* fh,
                                                 const uint8_t* sl, const uint8_t* sh,
                                                 size_t* done);

// Widens [*lo, *hi) to the maximal run of bytes of a set around it: `in` as a byte table and
// as truffle tables (low nibble table, then high).
__attribute__((target("avx2"))) void ExtendRunAvx2(const unsigned char* t, size_t n, const bool* in,
                                                   const uint8_t* truffle, size_t* lo, size_t* hi);
#endif

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_TRUFFLE_H_
