#include "harness/core/hash.h"

#include <xxhash.h>

#include <cstdio>

namespace mnemo {

Hasher::Hasher() : state_(XXH3_createState()) {
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}
Hasher::~Hasher() {
  XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}

void Hasher::Update(const void* data, size_t n) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), data, n);
}

void Hasher::Field(std::string_view s) {
  Field(static_cast<uint64_t>(s.size()));
  Update(s);
}

void Hasher::Field(uint64_t v) {
  Update(&v, sizeof v);
}

std::string Hasher::HexDigest() {
  XXH128_hash_t h = XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_));
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return std::string(buf, 32);
}

std::string HashHex(std::string_view data) {
  Hasher h;
  h.Update(data);
  return h.HexDigest();
}

}  // namespace mnemo
