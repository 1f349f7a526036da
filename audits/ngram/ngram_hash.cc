#include "audits/ngram/ngram_hash.h"

#include <xxhash.h>

namespace mnemo {
namespace ngram {

uint64_t HashUnit(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

uint64_t HashUnit(int32_t token_id) {
  return Mix(static_cast<uint64_t>(token_id) + 0x1234567ULL);
}

RollingNgramHash::RollingNgramHash(size_t n) : n_(n == 0 ? 1 : n), ring_(n_, 0) {
  base_pow_ = 1;
  for (size_t i = 1; i < n_; ++i) base_pow_ *= kBase;
}

void RollingNgramHash::Reset() {
  h_ = 0;
  count_ = 0;
  pos_ = 0;
}

uint64_t HashNgram(const uint64_t* unit_hashes, size_t n) {
  RollingNgramHash r(n);
  for (size_t i = 0; i < n; ++i) r.Push(unit_hashes[i]);
  return r.value();
}

}  // namespace ngram
}  // namespace mnemo
