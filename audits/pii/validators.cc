#include "audits/pii/validators.h"

#include <arpa/inet.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <vector>

#include "harness/core/sha256.h"

namespace mnemo::pii {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsWord(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool AllSame(std::string_view d) {
  for (char c : d)
    if (c != d[0]) return false;
  return true;
}

std::string DigitsOf(std::string_view s) {
  std::string d;
  for (char c : s)
    if (IsDigit(c)) d.push_back(c);
  return d;
}

// --- IBAN: per-country BBAN structure (SWIFT IBAN registry notation: n digits, a upper-case
// letters, c upper-case letters or digits). The IBAN's length is 4 + the BBAN's.
struct IbanCountry {
  const char* cc;
  const char* bban;
};
constexpr IbanCountry kIbanCountries[] = {
    {"AD", "4n4n12c"},   {"AE", "3n16n"},         {"AL", "8n16c"},       {"AT", "5n11n"},
    {"AZ", "4a20c"},     {"BA", "3n3n8n2n"},      {"BE", "3n7n2n"},      {"BG", "4a4n2n8c"},
    {"BH", "4a14c"},     {"BI", "5n5n11n2n"},     {"BR", "8n5n10n1a1c"}, {"BY", "4c4n16c"},
    {"CH", "5n12c"},     {"CR", "4n14n"},         {"CY", "3n5n16c"},     {"CZ", "4n6n10n"},
    {"DE", "8n10n"},     {"DJ", "5n5n11n2n"},     {"DK", "4n9n1n"},      {"DO", "4c20n"},
    {"EE", "2n2n11n1n"}, {"EG", "4n4n17n"},       {"ES", "4n4n1n1n10n"}, {"FI", "3n11n"},
    {"FK", "2a12n"},     {"FO", "4n9n1n"},        {"FR", "5n5n11c2n"},   {"GB", "4a6n8n"},
    {"GE", "2a16n"},     {"GI", "4a15c"},         {"GL", "4n9n1n"},      {"GR", "3n4n16c"},
    {"GT", "4c20c"},     {"HR", "7n10n"},         {"HU", "3n4n1n15n1n"}, {"IE", "4a6n8n"},
    {"IL", "3n3n13n"},   {"IQ", "4a3n12n"},       {"IS", "4n2n6n10n"},   {"IT", "1a5n5n12c"},
    {"JO", "4a4n18c"},   {"KW", "4a22c"},         {"KZ", "3n13c"},       {"LB", "4n20c"},
    {"LC", "4a24c"},     {"LI", "5n12c"},         {"LT", "5n11n"},       {"LU", "3n13c"},
    {"LV", "4a13c"},     {"LY", "3n3n15n"},       {"MC", "5n5n11c2n"},   {"MD", "2c18c"},
    {"ME", "3n13n2n"},   {"MK", "3n10c2n"},       {"MN", "4n12n"},       {"MR", "5n5n11n2n"},
    {"MT", "4a5n18c"},   {"MU", "4a2n2n12n3n3a"}, {"NI", "4a20n"},       {"NL", "4a10n"},
    {"NO", "4n6n1n"},    {"OM", "3n16c"},         {"PK", "4a16c"},       {"PL", "8n16n"},
    {"PS", "4a21c"},     {"PT", "4n4n11n2n"},     {"QA", "4a21c"},       {"RO", "4a16c"},
    {"RS", "3n13n2n"},   {"RU", "9n5n15c"},       {"SA", "2n18c"},       {"SC", "4a2n2n16n3a"},
    {"SD", "2n12n"},     {"SE", "3n16n1n"},       {"SI", "5n8n2n"},      {"SK", "4n6n10n"},
    {"SM", "1a5n5n12c"}, {"SO", "4n3n12n"},       {"ST", "4n4n11n2n"},   {"SV", "4a20n"},
    {"TL", "3n14n2n"},   {"TN", "2n3n13n2n"},     {"TR", "5n1n16c"},     {"UA", "6n19c"},
    {"VA", "3n15n"},     {"VG", "4a16n"},         {"XK", "4n10n2n"},     {"YE", "4a4n18c"},
};

bool BbanMatches(std::string_view bban, const char* spec) {
  size_t pos = 0;
  for (const char* p = spec; *p != 0;) {
    int n = 0;
    while (IsDigit(*p)) n = n * 10 + (*p++ - '0');
    char kind = *p++;
    for (int i = 0; i < n; ++i, ++pos) {
      if (pos >= bban.size()) return false;
      char c = bban[pos];
      bool ok = kind == 'n' ? IsDigit(c) : kind == 'a' ? IsUpper(c) : (IsDigit(c) || IsUpper(c));
      if (!ok) return false;
    }
  }
  return pos == bban.size();
}

// --- Base58 / Bech32.
constexpr char kBase58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr char kBech32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t Bech32Polymod(const std::vector<uint8_t>& values) {
  static const uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t b = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((b >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

bool Base64UrlDecode(std::string_view in, std::string* out) {
  // Unsigned: the accumulator's high bits are shifted out (only the low 14 are ever read).
  uint32_t val = 0;
  int bits = -8;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') {
      d = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      d = c - 'a' + 26;
    } else if (IsDigit(c)) {
      d = c - '0' + 52;
    } else if (c == '-' || c == '+') {
      d = 62;
    } else if (c == '_' || c == '/') {
      d = 63;
    } else if (c == '=') {
      break;
    } else {
      return false;
    }
    val = (val << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 0) {
      out->push_back(static_cast<char>((val >> bits) & 0xff));
      bits -= 8;
    }
  }
  return true;
}

// --- The validators the catalogue names.

Verdict VLuhn(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string d = DigitsOf(ctx.text.substr(*s, *e - *s));
  return d.size() >= 12 && LuhnValid(d) ? Verdict::kValid : Verdict::kInvalid;
}

// Presidio's card regex starts with the look-ahead (?!1\d{12}(?!\d)): 13-digit epoch
// milliseconds are not cards.
Verdict VCreditCard(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string_view t = ctx.text;
  if (t.size() - *s >= 13 && t[*s] == '1') {
    bool thirteen = true;
    for (size_t i = 1; i < 13; ++i) thirteen = thirteen && IsDigit(t[*s + i]);
    if (thirteen && (*s + 13 == t.size() || !IsDigit(t[*s + 13]))) return Verdict::kRetry;
  }
  return VLuhn(ctx, s, e);
}

Verdict VUsSsn(const ValidatorContext& ctx, size_t* s, size_t* e) {
  return UsSsnInvalid(ctx.text.substr(*s, *e - *s)) ? Verdict::kInvalid : Verdict::kUnknown;
}

// Presidio's IBAN back-off: the match is CC dd + two to six 4-character groups (group 1), an
// optional 4-character group (2) and an optional 1-3 character group (3); it tries the end of
// group 3, then 2, then 1, and keeps the first that validates.
Verdict VIban(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string_view m = ctx.text.substr(*s, *e - *s);
  size_t chunk_ends[7];  // offsets in m after each 4-character group
  size_t chunks = 0;
  size_t pos = 4;
  size_t tail_end = 0;
  while (pos < m.size()) {
    size_t p = pos;
    if (m[p] == ' ' || m[p] == '-') ++p;
    size_t q = p;
    while (q < m.size() && q - p < 4 && (IsDigit(m[q]) || IsUpper(m[q]))) ++q;
    if (q - p == 4 && chunks < 7) {
      chunk_ends[chunks++] = q;
      pos = q;
    } else {
      if (q > p) tail_end = q;
      break;
    }
  }
  size_t ends[3];
  size_t num_ends = 0;
  if (tail_end > 0) ends[num_ends++] = tail_end;
  if (chunks > 0) ends[num_ends++] = chunk_ends[chunks - 1];
  if (chunks > 6) ends[num_ends++] = chunk_ends[5];
  for (size_t k = 0; k < num_ends; ++k) {
    // The candidate without its separators (an IBAN has at most 34 characters).
    char compact[64];
    size_t len = 0;
    for (char c : m.substr(0, ends[k]))
      if (c != ' ' && c != '-' && len < sizeof compact) compact[len++] = c;
    if (IbanValid(std::string_view(compact, len))) {
      *e = *s + ends[k];
      return Verdict::kValid;
    }
  }
  return Verdict::kInvalid;
}

// "000000000" passes the 3-7-1 and mod-11 checks; a number of one repeated digit is not one.
Verdict VAba(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string d = DigitsOf(ctx.text.substr(*s, *e - *s));
  return AbaValid(d) && !AllSame(d) ? Verdict::kValid : Verdict::kInvalid;
}

Verdict VNhs(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string d = DigitsOf(ctx.text.substr(*s, *e - *s));
  return NhsValid(d) && !AllSame(d) && d != "0123456789" ? Verdict::kValid : Verdict::kInvalid;
}

Verdict VCrypto(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string_view m = ctx.text.substr(*s, *e - *s);
  if (m.size() >= 3 && (m.substr(0, 3) == "bc1" || m.substr(0, 3) == "BC1"))
    return Bech32Valid(m) ? Verdict::kValid : Verdict::kInvalid;
  return Base58CheckValid(m) ? Verdict::kValid : Verdict::kInvalid;
}

double Param(const ValidatorContext& ctx, const char* key, double def) {
  if (ctx.params == nullptr || !ctx.params->contains(key) || !(*ctx.params)[key].is_number())
    return def;
  return (*ctx.params)[key].get<double>();
}

// Secrets: a candidate with too little entropy (AKIAAAAAAAAAAAAAAAAA, "xxxxxxxx") is dropped,
// and so is a placeholder made of letters and '_' only (CERTIFICATE_PASSWORD, your_api_key),
// as detect-secrets' templated-secret filter does.
Verdict VEntropy(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string_view v = ctx.text.substr(*s, *e - *s);
  double min = Param(ctx, "min_entropy", 3.0);
  bool word = true;
  for (char c : v)
    word = word && (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-');
  if (word && v.find_first_of("_-") != std::string_view::npos) return Verdict::kInvalid;
  return ShannonEntropy(v) >= min ? Verdict::kUnknown : Verdict::kInvalid;
}

// Header and payload must be base64url JSON objects.
Verdict VJwt(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string_view m = ctx.text.substr(*s, *e - *s);
  size_t d1 = m.find('.');
  if (d1 == std::string_view::npos) return Verdict::kInvalid;
  size_t d2 = m.find('.', d1 + 1);
  std::string_view parts[2] = {m.substr(0, d1),
                               m.substr(d1 + 1, d2 == std::string_view::npos ? d2 : d2 - d1 - 1)};
  for (auto part : parts) {
    std::string dec;
    if (!Base64UrlDecode(part, &dec)) return Verdict::kInvalid;
    auto j = nlohmann::json::parse(dec, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Verdict::kInvalid;
  }
  return Verdict::kValid;
}

bool KnownTld(const ValidatorContext& ctx, std::string_view host) {
  size_t dot = host.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string tld(host.substr(dot + 1));
  for (char& c : tld) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (tld.rfind("xn--", 0) == 0 && tld.size() > 4) return true;  // IDN TLDs in punycode
  return ctx.tlds != nullptr && ctx.tlds->count(tld) > 0;
}

// tldextract's test: the domain must end in a known public suffix.
Verdict VEmail(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string_view m = ctx.text.substr(*s, *e - *s);
  size_t at = m.rfind('@');
  if (at == std::string_view::npos) return Verdict::kInvalid;
  return KnownTld(ctx, m.substr(at + 1)) ? Verdict::kValid : Verdict::kInvalid;
}

// URLs: trailing sentence punctuation is not part of the URL; the host must end in a known TLD.
Verdict VUrl(const ValidatorContext& ctx, size_t* s, size_t* e) {
  while (*e > *s && std::strchr(".,;:!?)]}'\"", ctx.text[*e - 1]) != nullptr) --*e;
  std::string_view m = ctx.text.substr(*s, *e - *s);
  size_t h = m.find("://");
  std::string_view host = h == std::string_view::npos ? m : m.substr(h + 3);
  size_t stop = host.find_first_of("/?#:");
  if (stop != std::string_view::npos) host = host.substr(0, stop);
  return KnownTld(ctx, host) ? Verdict::kUnknown : Verdict::kInvalid;
}

// Presidio's IPv6 look-arounds (?<![\w:]) ... (?![\w:]), and not followed by ".<digit>" (a
// longer IPv4 tail), with back-off over an invalid CIDR suffix or zone; Python's ipaddress
// is emulated with inet_pton. The unspecified address "::" is its own pattern (score 0.1).
Verdict VIpv6(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string_view t = ctx.text;
  if (*s > 0 && (IsWord(t[*s - 1]) || t[*s - 1] == ':')) return Verdict::kRetry;
  auto ahead_ok = [&](size_t end) {
    if (end >= t.size()) return true;
    char c = t[end];
    if (IsWord(c) || c == ':') return false;
    if (c == '.' && end + 1 < t.size() && IsDigit(t[end + 1])) return false;
    return true;
  };
  std::vector<size_t> ends = {*e};
  std::string_view m = t.substr(*s, *e - *s);
  size_t slash = m.find('/');
  if (slash != std::string_view::npos) ends.push_back(*s + slash);
  size_t pct = m.find('%');
  if (pct != std::string_view::npos) ends.push_back(*s + pct);
  for (size_t end : ends) {
    std::string_view cand = t.substr(*s, end - *s);
    size_t stop = cand.find_first_of("%/");
    std::string_view addr = cand.substr(0, stop);
    if (addr == "::") continue;
    // Perl/C++ scopes ("B::C", "Foo::Bar") parse as IPv6 but carry no digit; real addresses
    // in text almost always do.
    bool digit = false;
    for (char c : addr) digit = digit || IsDigit(c);
    if (!digit) continue;
    if (!ahead_ok(end) || !Ipv6Valid(cand)) continue;
    *e = end;
    return Verdict::kUnknown;
  }
  return Verdict::kRetry;
}

Verdict VMac(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string_view m = ctx.text.substr(*s, *e - *s);
  bool zero = true, ff = true;
  for (char c : m) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) continue;
    zero = zero && c == '0';
    ff = ff && (c == 'f' || c == 'F');
  }
  return zero || ff ? Verdict::kInvalid : Verdict::kUnknown;
}

// Phone candidates: 7 to 15 digits (E.164's maximum), not all the same digit.
Verdict VPhone(const ValidatorContext& ctx, size_t* s, size_t* e) {
  std::string d = DigitsOf(ctx.text.substr(*s, *e - *s));
  if (d.size() < static_cast<size_t>(Param(ctx, "min_digits", 7)) || d.size() > 15)
    return Verdict::kInvalid;
  // Not one repeated digit, and not a run of binary digits ("0100 0101 0110").
  bool binary = d.find_first_not_of("01") == std::string::npos;
  return AllSame(d) || binary ? Verdict::kInvalid : Verdict::kUnknown;
}

struct NamedValidator {
  const char* name;
  ValidatorFn fn;
};
constexpr NamedValidator kValidators[] = {
    {"aba", &VAba},         {"credit_card", &VCreditCard},
    {"crypto", &VCrypto},   {"email", &VEmail},
    {"entropy", &VEntropy}, {"iban", &VIban},
    {"ipv6", &VIpv6},       {"jwt", &VJwt},
    {"luhn", &VLuhn},       {"mac", &VMac},
    {"nhs", &VNhs},         {"phone", &VPhone},
    {"url", &VUrl},         {"us_ssn", &VUsSsn},
};

}  // namespace

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kValid:
      return "valid";
    case Verdict::kUnknown:
      return "unknown";
    case Verdict::kInvalid:
      return "invalid";
    case Verdict::kRetry:
      return "retry";
  }
  return "unknown";
}

ValidatorFn FindValidator(const std::string& name) {
  for (const auto& v : kValidators)
    if (name == v.name) return v.fn;
  return nullptr;
}

std::string KnownValidatorNames() {
  std::string s;
  for (const auto& v : kValidators) s += (s.empty() ? "" : ", ") + std::string(v.name);
  return s;
}

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!IsDigit(digits[i])) return false;
    int d = digits[i] - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool UsSsnInvalid(std::string_view candidate) {
  bool dot = false, dash = false, space = false;
  for (char c : candidate) {
    dot = dot || c == '.';
    dash = dash || c == '-';
    space = space || c == ' ';
  }
  if (int(dot) + int(dash) + int(space) > 1) return true;
  std::string d = DigitsOf(candidate);
  if (d.empty()) return true;
  bool same = true;
  for (char c : d) same = same && c == d[0];
  if (same) return true;
  if (d.substr(3, 2) == "00" || (d.size() > 5 && d.substr(5) == "0000")) return true;
  for (const char* bad : {"000", "666", "123456789", "98765432", "078051120"})
    if (d.rfind(bad, 0) == 0) return true;
  return false;
}

bool IbanValid(std::string_view iban) {
  if (iban.size() < 5 || iban.size() > 34) return false;
  if (!IsUpper(iban[0]) || !IsUpper(iban[1]) || !IsDigit(iban[2]) || !IsDigit(iban[3]))
    return false;
  const IbanCountry* country = nullptr;
  for (const auto& c : kIbanCountries)
    if (c.cc[0] == iban[0] && c.cc[1] == iban[1]) country = &c;
  if (country == nullptr || !BbanMatches(iban.substr(4), country->bban)) return false;
  // ISO 7064 mod 97-10 on BBAN + country code + check digits, letters as 10..35, in chunks.
  int rem = 0;
  for (size_t i = 0; i < iban.size(); ++i) {
    const char c = iban[(i + 4) % iban.size()];  // the first four characters moved to the end
    if (IsDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (IsUpper(c)) {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return rem == 1;
}

bool AbaValid(std::string_view d) {
  if (d.size() != 9) return false;
  static const int kW[9] = {3, 7, 1, 3, 7, 1, 3, 7, 1};
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    if (!IsDigit(d[i])) return false;
    sum += kW[i] * (d[i] - '0');
  }
  return sum % 10 == 0;
}

bool NhsValid(std::string_view d) {
  if (d.size() != 10) return false;
  int sum = 0;
  for (int i = 0; i < 10; ++i) {
    if (!IsDigit(d[i])) return false;
    sum += (d[i] - '0') * (10 - i);
  }
  return sum % 11 == 0;
}

bool Base58CheckValid(std::string_view a) {
  uint8_t bytes[25] = {0};
  for (char c : a) {
    const char* p = std::strchr(kBase58, c);
    if (c == 0 || p == nullptr) return false;
    int carry = static_cast<int>(p - kBase58);
    for (int i = 24; i >= 0; --i) {
      carry += 58 * bytes[i];
      bytes[i] = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    if (carry != 0) return false;  // more than 25 bytes
  }
  auto h1 = Sha256(std::string_view(reinterpret_cast<const char*>(bytes), 21));
  auto h2 = Sha256(std::string_view(reinterpret_cast<const char*>(h1.data()), 32));
  return std::memcmp(h2.data(), bytes + 21, 4) == 0;
}

bool Bech32Valid(std::string_view a) {
  bool lower = false, upper = false;
  for (char c : a) {
    lower = lower || (c >= 'a' && c <= 'z');
    upper = upper || (c >= 'A' && c <= 'Z');
  }
  if (lower && upper) return false;
  size_t sep = a.rfind('1');
  if (sep == std::string_view::npos || sep == 0 || sep + 7 > a.size() || a.size() > 90)
    return false;
  std::vector<uint8_t> v;
  for (size_t i = 0; i < sep; ++i) v.push_back(std::tolower(static_cast<unsigned char>(a[i])) >> 5);
  v.push_back(0);
  for (size_t i = 0; i < sep; ++i) v.push_back(std::tolower(static_cast<unsigned char>(a[i])) & 31);
  for (size_t i = sep + 1; i < a.size(); ++i) {
    const char* p = std::strchr(kBech32, std::tolower(static_cast<unsigned char>(a[i])));
    if (a[i] == 0 || p == nullptr) return false;
    v.push_back(static_cast<uint8_t>(p - kBech32));
  }
  uint32_t pm = Bech32Polymod(v);
  return pm == 1 || pm == 0x2bc830a3;
}

double ShannonEntropy(std::string_view s) {
  if (s.empty()) return 0.0;
  size_t counts[256] = {0};
  for (unsigned char c : s) ++counts[c];
  double h = 0.0;
  for (size_t n : counts) {
    if (n == 0) continue;
    double p = static_cast<double>(n) / static_cast<double>(s.size());
    h -= p * std::log2(p);
  }
  return h;
}

bool Ipv6Valid(std::string_view cand) {
  std::string_view addr = cand;
  size_t slash = addr.find('/');
  if (slash != std::string_view::npos) {
    std::string_view pfx = addr.substr(slash + 1);
    if (pfx.empty() || pfx.size() > 3) return false;
    int n = 0;
    for (char c : pfx) {
      if (!IsDigit(c)) return false;
      n = n * 10 + (c - '0');
    }
    if (n > 128) return false;
    addr = addr.substr(0, slash);
  }
  size_t pct = addr.find('%');
  if (pct != std::string_view::npos) {
    std::string_view zone = addr.substr(pct + 1);
    if (zone.empty()) return false;
    for (char c : zone)
      if (!IsWord(c)) return false;
    addr = addr.substr(0, pct);
  }
  if (addr.size() > 45) return false;
  std::string z(addr);
  unsigned char buf[16];
  return inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

}  // namespace mnemo::pii
