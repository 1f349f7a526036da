// A small SHA-256 (FIPS 180-4), for Base58Check addresses and hashed redaction. No libcrypto
// is linked into mnemo, and the amounts hashed here are tiny.
//
// Thread-safety: stateless functions.
#ifndef MNEMO_AUDITS_PII_SHA256_H_
#define MNEMO_AUDITS_PII_SHA256_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mnemo::pii {

std::array<uint8_t, 32> Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_SHA256_H_
