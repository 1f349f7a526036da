// Fast non-cryptographic content hashing (XXH3-128) for cache keys and fingerprints.
#ifndef MNEMO_HARNESS_CORE_HASH_H_
#define MNEMO_HARNESS_CORE_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mnemo {

// Incremental XXH3-128 hasher. Not thread-safe; one per thread.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Length-prefixed field, so ("ab","c") and ("a","bc") hash differently.
  void Field(std::string_view s);
  void Field(uint64_t v);
  std::string HexDigest();  // 32 hex characters

 private:
  void* state_;
};

std::string HashHex(std::string_view data);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_CORE_HASH_H_
