// A small SHA-256 (FIPS 180-4): Base58Check addresses, hashed redaction, and the chat template
// and system instruction hashes of eval results. No libcrypto is linked into mnemo, and the
// amounts hashed here are tiny.
//
// Thread-safety: stateless functions.
#ifndef MNEMO_HARNESS_CORE_SHA256_H_
#define MNEMO_HARNESS_CORE_SHA256_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mnemo {

std::array<uint8_t, 32> Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_CORE_SHA256_H_
