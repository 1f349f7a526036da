// Validators: checksums and structure tests that turn a regex candidate into a finding (valid:
// the entity's validated_score), leave its score alone (unknown), or drop it (invalid).
//
// A validator sees the whole scanned text and the candidate span, so it can also emulate
// look-arounds RE2 lacks and narrow the span (IBAN back-off, IPv6 CIDR/zone back-off, URL
// trailing punctuation). kRetry means "no match starts here": the engine searches again one
// byte later, as a backtracking regex with a failed look-behind would.
//
// Thread-safety: all functions are pure.
#ifndef MNEMO_AUDITS_PII_VALIDATORS_H_
#define MNEMO_AUDITS_PII_VALIDATORS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace mnemo::pii {

enum class Verdict { kValid, kUnknown, kInvalid, kRetry };
const char* VerdictName(Verdict v);  // "valid", "unknown", "invalid", "retry"

struct ValidatorContext {
  std::string_view text;  // the whole scanned text
  const nlohmann::json* params = nullptr;
  const std::unordered_set<std::string>* tlds = nullptr;
};

// *start/*end: the candidate's byte span in ctx.text; a validator may narrow it.
using ValidatorFn = Verdict (*)(const ValidatorContext& ctx, size_t* start, size_t* end);

// nullptr for an unknown name.
ValidatorFn FindValidator(const std::string& name);
// "aba, credit_card, ..." for error messages.
std::string KnownValidatorNames();

// The checks themselves, on their canonical input, for tests and reuse.
bool LuhnValid(std::string_view digits);            // digits only
bool UsSsnInvalid(std::string_view candidate);      // Presidio's invalidate_result
bool IbanValid(std::string_view compact);           // no separators: mod-97 and country format
bool AbaValid(std::string_view digits);             // 9 digits, weights 3-7-1
bool NhsValid(std::string_view digits);             // 10 digits, mod 11
bool Base58CheckValid(std::string_view address);    // 25-byte payload, double SHA-256
bool Bech32Valid(std::string_view address);         // bech32 or bech32m, hrp "bc"
double ShannonEntropy(std::string_view s);          // bits per byte
bool Ipv6Valid(std::string_view addr_zone_prefix);  // "fe80::1%eth0/64"

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_VALIDATORS_H_
