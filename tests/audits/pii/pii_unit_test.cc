// Unit tests of the PII scanner's parts: validators, the catalogue loader and its errors,
// the engine (look-around emulation, context, overlaps, allow/deny lists, the Set's
// out-of-memory fallback, invalid UTF-8, one very long line), redaction and quotes.
#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

#include "audits/pii/catalogue.h"
#include "audits/pii/engine.h"
#include "audits/pii/output.h"
#include "harness/core/sha256.h"
#include "audits/pii/validators.h"
#include "tests/support/test_util.h"

namespace mnemo::pii {
namespace {

using testing_util::TempDir;
using testing_util::WriteFile;

std::unique_ptr<Scanner> Make(ScanOptions opt = ScanOptions(), const Catalogue* cat = nullptr) {
  Catalogue def;
  if (cat == nullptr) {
    auto c = Catalogue::Default();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    def = std::move(c).value();
    cat = &def;
  }
  auto s = Scanner::Create(*cat, opt);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

struct Hit {
  std::string entity, value;
  Likelihood likelihood;
  double score;
};

std::vector<Hit> ScanAll(const Scanner& s, std::string_view text) {
  std::vector<Finding> f;
  ScanStats st;
  EXPECT_TRUE(s.Scan(text, &f, &st).ok());
  std::vector<Hit> out;
  for (const auto& x : f)
    out.push_back({s.entities()[x.entity].name, std::string(text.substr(x.start, x.end - x.start)),
                   x.likelihood, x.score});
  return out;
}

bool Has(const std::vector<Hit>& hits, const std::string& entity, const std::string& value) {
  for (const auto& h : hits)
    if (h.entity == entity && h.value == value) return true;
  return false;
}

TEST(PiiValidators, Checksums) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_TRUE(IbanValid("DE89370400440532013000"));
  EXPECT_TRUE(IbanValid("GB82WEST12345698765432"));
  EXPECT_FALSE(IbanValid("GB82WEST12345698765433"));
  EXPECT_FALSE(IbanValid("DE8937040044053201300"));  // one digit short for DE
  EXPECT_TRUE(AbaValid("121000358"));
  EXPECT_FALSE(AbaValid("421042111"));
  EXPECT_TRUE(NhsValid("4010232137"));
  EXPECT_FALSE(NhsValid("4010232138"));
  EXPECT_TRUE(Base58CheckValid("16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ"));
  EXPECT_FALSE(Base58CheckValid("16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyY"));
  EXPECT_TRUE(Bech32Valid("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
  EXPECT_TRUE(Bech32Valid("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"));
  EXPECT_FALSE(Bech32Valid("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"));
  EXPECT_TRUE(UsSsnInvalid("078-05-1120"));
  EXPECT_TRUE(UsSsnInvalid("666-12-3456"));
  EXPECT_TRUE(UsSsnInvalid("123-45 6789"));  // mixed delimiters
  EXPECT_FALSE(UsSsnInvalid("859-72-1639"));
  EXPECT_TRUE(Ipv6Valid("fe80::1%eth0/64"));
  EXPECT_FALSE(Ipv6Valid("2001::db8::1"));
  EXPECT_LT(ShannonEntropy("AAAAAAAAAAAAAAAA"), 0.01);
  EXPECT_NEAR(ShannonEntropy("abcd"), 2.0, 1e-9);
}

TEST(PiiValidators, Sha256KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST(PiiCatalogue, DefaultLoadsWithEveryRequiredEntity) {
  auto c = Catalogue::Default();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  for (const char* e :
       {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS", "URL",
        "MAC_ADDRESS", "US_BANK_ROUTING", "UK_NHS", "CRYPTO", "AWS_ACCESS_KEY", "GITHUB_TOKEN",
        "SLACK_TOKEN", "PRIVATE_KEY", "JWT", "API_KEY", "PERSON"})
    EXPECT_NE(c->Find(e), nullptr) << e;
  EXPECT_FALSE(c->Find("PERSON")->enabled);
}

TEST(PiiCatalogue, MalformedUserFileNamesFileAndField) {
  TempDir dir;
  auto base = Catalogue::Default();
  ASSERT_TRUE(base.ok());
  struct Case {
    std::string json, field;
  } cases[] = {
      {R"({"entities": [{"name": "EMPLOYEE_ID", "patterns": [{"regex": "E-(\\d{6}", "score": 0.5}]}]})",
       "entities[0].patterns[0].regex"},
      {R"({"entities": [{"name": "EMPLOYEE_ID", "patterns": [{"regex": "E-\\d{6}", "score": 2}]}]})",
       "entities[0].patterns[0].score"},
      {R"({"entities": [{"name": "X", "patterns": [{"regex": "x"}], "validator": "nope"}]})",
       "entities[0].validator"},
      {R"({"entities": [{"name": "X", "patterns": [{"regex": "x", "colour": 1}]}]})",
       "entities[0].patterns[0].colour"},
      {R"({"entities": [{"patterns": [{"regex": "x"}]}]})", "entities[0].name"},
      {R"({"entities": [{"name": "X", "patterns": [{"regex": "x", "not_after": "[a-"}]}]})",
       "entities[0].patterns[0].not_after"},
      {R"({"entities": [{"name": "X", "likelihood": {"LIKELY": 0.2, "POSSIBLE": 0.5}, "patterns": [{"regex": "x"}]}]})",
       "entities[0].likelihood"},
  };
  for (const auto& c : cases) {
    std::string path = dir.File("custom.json");
    WriteFile(path, c.json);
    auto r = Catalogue::LoadFile(path, &*base);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("'" + c.field + "'"), std::string::npos)
        << r.status().message();
  }
  WriteFile(dir.File("broken.json"), "{\"entities\": [\n  {\"name\": \"X\",,}\n]}");
  auto r = Catalogue::LoadFile(dir.File("broken.json"), &*base);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 2"), std::string::npos) << r.status().message();
}

TEST(PiiCatalogue, CustomEntityExtendsAndReplaces) {
  TempDir dir;
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  WriteFile(dir.File("custom.json"), R"({"entities": [
    {"name": "EMPLOYEE_ID", "patterns": [{"regex": "\\bEMP-[0-9]{6}\\b", "score": 0.7,
      "case_sensitive": true}], "context": ["employee"]},
    {"name": "URL", "patterns": [{"regex": "\\bhttps://intranet\\.example/\\S*", "score": 0.9}]}]})");
  auto user = Catalogue::LoadFile(dir.File("custom.json"), &*cat);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  cat->Merge(*user);
  auto s = Make(ScanOptions(), &*cat);
  auto hits =
      ScanAll(*s, "employee EMP-123456 visited https://intranet.example/x and www.debian.org");
  EXPECT_TRUE(Has(hits, "EMPLOYEE_ID", "EMP-123456"));
  EXPECT_TRUE(Has(hits, "URL", "https://intranet.example/x"));
  EXPECT_FALSE(Has(hits, "URL", "www.debian.org"));  // the shipped URL entity was replaced
}

TEST(PiiEngine, LookAroundsArePostChecks) {
  ScanOptions opt;
  opt.min_likelihood = Likelihood::kVeryUnlikely;
  opt.use_context = false;
  auto s = Make(opt);
  EXPECT_FALSE(Has(ScanAll(*s, "IP192.168.1.1text"), "IP_ADDRESS", "192.168.1.1"));
  EXPECT_TRUE(Has(ScanAll(*s, "(192.168.1.1)"), "IP_ADDRESS", "192.168.1.1"));
  EXPECT_TRUE(Has(ScanAll(*s, "[2001:db8::1]:8080"), "IP_ADDRESS", "2001:db8::1"));
  EXPECT_FALSE(Has(ScanAll(*s, "std::cout << x;"), "IP_ADDRESS", "::"));
  EXPECT_TRUE(Has(ScanAll(*s, "2001:db8::/9999"), "IP_ADDRESS", "2001:db8::"));
  EXPECT_FALSE(Has(ScanAll(*s, "1748503543012"), "CREDIT_CARD", "1748503543012"));
  EXPECT_TRUE(Has(ScanAll(*s, "iban VG96 VPVG 0000 0123 4567 8901 X end"), "IBAN_CODE",
                  "VG96 VPVG 0000 0123 4567 8901"));
  EXPECT_FALSE(Has(ScanAll(*s, "XDE89370400440532013000"), "IBAN_CODE", "DE89370400440532013000"));
}

TEST(PiiEngine, ContextRaisesScoreAndLikelihood) {
  auto s = Make();
  auto plain = ScanAll(*s, "reference 078-05-1123 here");
  auto with = ScanAll(*s, "my ssn is 078-05-1123 here");
  ASSERT_TRUE(Has(plain, "US_SSN", "078-05-1123"));
  ASSERT_TRUE(Has(with, "US_SSN", "078-05-1123"));
  double a = 0, b = 0;
  for (const auto& h : plain)
    if (h.entity == "US_SSN") a = h.score;
  for (const auto& h : with)
    if (h.entity == "US_SSN") b = h.score;
  EXPECT_NEAR(a, 0.5, 1e-9);
  EXPECT_NEAR(b, 0.85, 1e-9);
  // A bare nine-digit number is VERY_UNLIKELY alone, POSSIBLE next to "ssn".
  EXPECT_FALSE(Has(ScanAll(*s, "order 078051121 shipped"), "US_SSN", "078051121"));
  EXPECT_TRUE(Has(ScanAll(*s, "SSN: 078051121"), "US_SSN", "078051121"));
}

TEST(PiiEngine, OverlapsAllowAndDenyLists) {
  TempDir dir;
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  WriteFile(dir.File("deny.json"),
            R"({"entities": [{"name": "CODENAME", "deny_list": ["Bluebird", "Night Owl"]}]})");
  auto user = Catalogue::LoadFile(dir.File("deny.json"), &*cat);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  cat->Merge(*user);
  ScanOptions opt;
  opt.allow_list = {"noreply@example.com"};
  auto s = Make(opt, &*cat);
  auto hits = ScanAll(*s,
                      "write to kaia.everly42@kestrelmail.com or noreply@example.com about "
                      "project bluebird and Night Owl, not bluebirds");
  EXPECT_TRUE(Has(hits, "EMAIL_ADDRESS", "kaia.everly42@kestrelmail.com"));
  EXPECT_FALSE(Has(hits, "URL", "kestrelmail.com"));  // inside the e-mail
  EXPECT_FALSE(Has(hits, "EMAIL_ADDRESS", "noreply@example.com"));
  EXPECT_TRUE(Has(hits, "CODENAME", "bluebird"));
  EXPECT_TRUE(Has(hits, "CODENAME", "Night Owl"));
  EXPECT_FALSE(Has(hits, "CODENAME", "bluebirds"));
}

TEST(PiiEngine, SecretsAreFound) {
  auto s = Make();
  std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  std::string text = "key AKIAN5KCYMWGN3M7GYS7 token ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5 " +
                     jwt + " slack xoxb-123456789012-1234567890123-AbCdEfGhIjKl api_key = \"" +
                     "q8Zr2LmN5vX1pT7wK3yB9cF4hJ6dS0gA\"\n-----BEGIN RSA PRIVATE KEY-----\n" +
                     std::string(80, 'M') + "\n-----END RSA PRIVATE KEY-----\n";
  auto hits = ScanAll(*s, text);
  EXPECT_TRUE(Has(hits, "AWS_ACCESS_KEY", "AKIAN5KCYMWGN3M7GYS7"));
  EXPECT_TRUE(Has(hits, "GITHUB_TOKEN", "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"));
  EXPECT_TRUE(Has(hits, "JWT", jwt));
  EXPECT_TRUE(Has(hits, "SLACK_TOKEN", "xoxb-123456789012-1234567890123-AbCdEfGhIjKl"));
  EXPECT_TRUE(Has(hits, "API_KEY", "q8Zr2LmN5vX1pT7wK3yB9cF4hJ6dS0gA"));
  size_t b = text.find("-----BEGIN"), e = text.rfind("-----") + 5;
  EXPECT_TRUE(Has(hits, "PRIVATE_KEY", text.substr(b, e - b)));
  // Low entropy is not a key; the header alone inside the block is not reported twice.
  EXPECT_FALSE(Has(ScanAll(*s, "AKIAAAAAAAAAAAAAAAAA"), "AWS_ACCESS_KEY", "AKIAAAAAAAAAAAAAAAAA"));
  int keys = 0;
  for (const auto& h : hits) keys += h.entity == "PRIVATE_KEY";
  EXPECT_EQ(keys, 1);
}

TEST(PiiEngine, SetOutOfMemoryFallsBackInsteadOfMissing) {
  // Shrinking the Set's memory budget: a budget too small to compile is an error naming the
  // budget, never a scanner that silently matches nothing; every budget that compiles gives
  // the same findings. A Set match that reports kOutOfMemory (simulated: RE2 2022-06 checks
  // the DFA when the Set compiles) falls back to pattern-by-pattern with the same findings.
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  const std::string text =
      "Account holder Kaia Everly. Email: kaia.everly42@kestrelmail.com. Phone: (708) 979-7364. "
      "Card number 5563 1706 6907 4394. SSN 859-72-1639. IBAN DE95241586834497869073. Last "
      "login from 8.6.7.167 with key AKIAAYN3BO47OWOO5SB2.";
  auto reference = Make();
  std::vector<Finding> want;
  ScanStats st0;
  ASSERT_TRUE(reference->Scan(text, &want, &st0).ok());
  ASSERT_EQ(st0.set_fallbacks, 0);
  ASSERT_GE(want.size(), 7u);
  auto same = [&](const std::vector<Finding>& got) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].start, want[i].start);
      EXPECT_EQ(got[i].end, want[i].end);
      EXPECT_EQ(got[i].entity, want[i].entity);
    }
  };
  int compiled = 0, refused = 0;
  // The shipped patterns all prefilter by runs (no Set); use_runs=false puts every pattern in
  // the Set, the case where its budget and failures matter.
  for (int64_t budget = 1 << 12; budget <= (int64_t{1} << 24); budget += budget / 4) {
    ScanOptions opt;
    opt.use_runs = false;
    opt.set_max_mem = budget;
    auto s = Scanner::Create(*cat, opt);
    if (!s.ok()) {
      ++refused;
      EXPECT_NE(s.status().message().find("memory budget"), std::string::npos);
      continue;
    }
    ++compiled;
    std::vector<Finding> got;
    ScanStats st;
    ASSERT_TRUE((*s)->Scan(text, &got, &st).ok());
    same(got);
  }
  EXPECT_GT(compiled, 0);
  EXPECT_GT(refused, 0);
  ScanOptions opt;
  opt.use_runs = false;
  opt.simulate_set_out_of_memory = true;
  auto s = Make(opt);
  std::vector<Finding> got;
  ScanStats st;
  ASSERT_TRUE(s->Scan(text, &got, &st).ok());
  EXPECT_EQ(st.set_fallbacks, 1);
  same(got);
}

TEST(PiiEngine, InvalidUtf8IsScannedAsBytes) {
  auto s = Make();
  std::string text = "caf\xC3\xA9 \xFF\xFE\x80 mail kaia@kestrelmail.com \xC3 ok 8.6.7.167";
  std::vector<Finding> f;
  ScanStats st;
  ASSERT_TRUE(s->Scan(text, &f, &st).ok());
  ASSERT_EQ(f.size(), 2u);
  for (const auto& x : f) {
    ASSERT_LE(x.end, text.size());
    EXPECT_LT(x.start, x.end);
    EXPECT_LE(x.cp_end - x.cp_start, x.end - x.start);
  }
  EXPECT_EQ(text.substr(f[0].start, f[0].end - f[0].start), "kaia@kestrelmail.com");
  EXPECT_EQ(f[0].start, 15u);
  EXPECT_EQ(f[0].cp_start, 13u);  // é is one code point; the stray 0x80 is not a start byte
  EXPECT_EQ(text.substr(f[1].start, f[1].end - f[1].start), "8.6.7.167");
  // Quotes of invalid bytes stay valid UTF-8.
  EXPECT_EQ(QuoteOf("\xFF"
                    "abcdefgh",
                    QuoteMode::kFull),
            "\xEF\xBF\xBD"
            "abcdefgh");
}

TEST(PiiEngine, VeryLongLineIsLinear) {
  auto s = Make();
  const std::string chunk =
      "The committee met on Tuesday and agreed the budget for the next three years, 2019 to "
      "2021, after a long debate about the roads, the schools and the new library building. ";
  auto build = [&](size_t bytes, int* planted) {
    std::string t;
    t.reserve(bytes + 256);
    *planted = 0;
    while (t.size() < bytes) {
      t += chunk;
      if (t.size() / (1 << 20) != (t.size() - chunk.size()) / (1 << 20)) {
        t += "mail kaia" + std::to_string(*planted) + "@kestrelmail.com now; ";
        ++*planted;
      }
    }
    return t;
  };
  auto timed = [&](const std::string& t, size_t* n) {
    std::vector<Finding> f;
    ScanStats st;
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(s->Scan(t, &f, &st).ok());
    *n = f.size();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  int planted_small, planted_big;
  std::string small = build(size_t{10} << 20, &planted_small);
  std::string big = build(size_t{100} << 20, &planted_big);
  size_t n_small, n_big;
  double t_small = timed(small, &n_small);
  double t_big = timed(big, &n_big);
  std::printf("one line: 10 MB in %.2f s, 100 MB in %.2f s (ratio %.1f)\n", t_small, t_big,
              t_big / t_small);
  EXPECT_EQ(n_small, static_cast<size_t>(planted_small));
  EXPECT_EQ(n_big, static_cast<size_t>(planted_big));
  EXPECT_LT(t_big / std::max(t_small, 1e-3), 25.0);  // linear is ~10
  EXPECT_LT(t_big, 30.0);
}

TEST(PiiRedaction, MaskHashPseudonym) {
  auto s = Make();
  std::string text = "a@kestrel.com then b@kestrel.com then a@kestrel.com";
  std::vector<Finding> f;
  ScanStats st;
  ASSERT_TRUE(s->Scan(text, &f, &st).ok());
  ASSERT_EQ(f.size(), 3u);
  auto mask = Redactor::Open("", s.get(), RedactMode::kMask, "text");
  auto hash = Redactor::Open("", s.get(), RedactMode::kHash, "text");
  auto pseudo = Redactor::Open("", s.get(), RedactMode::kPseudonym, "text");
  ASSERT_TRUE(mask.ok() && hash.ok() && pseudo.ok());
  EXPECT_EQ((*mask)->Redact(text, f), "<EMAIL_ADDRESS> then <EMAIL_ADDRESS> then <EMAIL_ADDRESS>");
  EXPECT_EQ((*pseudo)->Redact(text, f),
            "<EMAIL_ADDRESS_1> then <EMAIL_ADDRESS_2> then <EMAIL_ADDRESS_1>");
  std::string h = (*hash)->Redact(text, f);
  EXPECT_EQ(h, "<EMAIL_ADDRESS:" + Sha256Hex("a@kestrel.com").substr(0, 12) +
                   "> then <EMAIL_ADDRESS:" + Sha256Hex("b@kestrel.com").substr(0, 12) +
                   "> then <EMAIL_ADDRESS:" + Sha256Hex("a@kestrel.com").substr(0, 12) + ">");
  EXPECT_EQ(QuoteOf("4111111111111111", QuoteMode::kRedacted), "41************11");
  EXPECT_EQ(QuoteOf("1234", QuoteMode::kRedacted), "****");
}

}  // namespace
}  // namespace mnemo::pii
