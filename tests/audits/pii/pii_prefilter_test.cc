// The prefilter must not change a single finding: the run prefilter (the default), the
// RE2::Set-only prefilter (use_runs=false) and the one-regex-at-a-time loop over whole texts
// (prefilter=false) give identical findings, every field, on the repo's real text with
// planted canaries, the Presidio cases, the canaries and seeded random texts built from the
// bytes the patterns care about. Also: what the regex shape analysis infers.
#include <cctype>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audits/pii/catalogue.h"
#include "audits/pii/engine.h"
#include "audits/pii/regex_shape.h"

#include <re2/re2.h>

namespace mnemo::pii {
namespace {

using nlohmann::json;

std::unique_ptr<Scanner> Make(const Catalogue& cat, bool prefilter, bool use_runs,
                              bool use_simd = true) {
  ScanOptions opt;
  opt.prefilter = prefilter;
  opt.use_runs = use_runs;
  opt.use_simd = use_simd;
  opt.min_likelihood = Likelihood::kVeryUnlikely;  // compare every candidate kept
  auto s = Scanner::Create(cat, opt);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

std::string Describe(const std::vector<Finding>& f) {
  std::string out;
  for (const auto& x : f)
    out += std::to_string(x.entity) + "/" + std::to_string(x.pattern) + "@" +
           std::to_string(x.start) + "-" + std::to_string(x.end) + ":" + std::to_string(x.score) +
           " ";
  return out;
}

bool Same(const Finding& a, const Finding& b) {
  return a.entity == b.entity && a.pattern == b.pattern && a.start == b.start && a.end == b.end &&
         a.cp_start == b.cp_start && a.cp_end == b.cp_end && a.score == b.score &&
         a.likelihood == b.likelihood && a.verdict == b.verdict && a.context == b.context;
}

// Scans every text with the four scanners (runs with and without SIMD, Set only, the loop);
// returns the number of findings.
size_t ExpectIdentical(const Catalogue& cat, const std::vector<std::string>& texts) {
  auto runs = Make(cat, true, true);
  auto scalar = Make(cat, true, true, /*use_simd=*/false);
  auto set = Make(cat, true, false);
  auto loop = Make(cat, false, false);
  size_t total = 0, failures = 0;
  ScanStats s1, s2, s3, s4;
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<Finding> a, b, c, d;
    EXPECT_TRUE(runs->Scan(texts[i], &a, &s1).ok());
    EXPECT_TRUE(set->Scan(texts[i], &b, &s2).ok());
    EXPECT_TRUE(loop->Scan(texts[i], &c, &s3).ok());
    EXPECT_TRUE(scalar->Scan(texts[i], &d, &s4).ok());
    total += c.size();
    bool same = a.size() == c.size() && b.size() == c.size() && d.size() == c.size();
    for (size_t j = 0; same && j < c.size(); ++j)
      same = Same(a[j], c[j]) && Same(b[j], c[j]) && Same(d[j], c[j]);
    if (!same && ++failures <= 5)
      ADD_FAILURE() << "text " << i << ": " << texts[i].substr(0, 300) << "\n runs: " << Describe(a)
                    << "\n scalar: " << Describe(d) << "\n set:  " << Describe(b)
                    << "\n loop: " << Describe(c);
  }
  EXPECT_EQ(failures, 0u);
  EXPECT_EQ(s1.candidates, s3.candidates);  // the same regex matches were examined
  EXPECT_EQ(s1.rejected, s3.rejected);
  EXPECT_EQ(s4.candidates, s3.candidates);
  return total;
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string Data(const std::string& rel) {
  return std::string(MNEMO_FIXTURES_DIR) + "/../" + rel;
}

// RE2 options as the scanner compiles a catalogue pattern (bytes, dot matches newline).
RE2::Options ScannerOptions(const PatternDef& p) {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_case_sensitive(p.case_sensitive);
  o.set_dot_nl(true);
  return o;
}

TEST(PiiPrefilter, RealTextWithPlantedCanariesMatchesTheLoop) {
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  std::vector<std::string> canaries;
  for (const auto& l : Lines(std::string(MNEMO_FIXTURES_DIR) + "/canaries.jsonl"))
    if (!l.empty()) canaries.push_back(json::parse(l)["text"].get<std::string>());
  ASSERT_FALSE(canaries.empty());
  std::vector<std::string> texts;
  for (const auto& l : Lines(Data("wikitext-2/test.txt")))
    if (l.size() > 40) texts.push_back(l);
  for (const auto& l : Lines(Data("gsm8k/test.jsonl"))) {
    json d = json::parse(l);
    texts.push_back(d["question"].get<std::string>() + " " + d["answer"].get<std::string>());
  }
  // Plant a canary in every 7th text, as bench/pii/make_corpus.py does, and join some texts
  // into long documents (the benchmark's long lines).
  std::mt19937 rng(7);
  for (size_t i = 0; i < texts.size(); i += 7) {
    size_t at = std::uniform_int_distribution<size_t>(0, texts[i].size())(rng);
    while (at < texts[i].size() && texts[i][at] != ' ') ++at;
    texts[i].insert(at, " " + canaries[i % canaries.size()] + " ");
  }
  std::string long_doc;
  for (size_t i = 0; i < texts.size() && long_doc.size() < (1u << 20); i += 3)
    long_doc += texts[i] + " ";
  texts.push_back(long_doc);
  texts.insert(texts.end(), canaries.begin(), canaries.end());
  EXPECT_GT(ExpectIdentical(*cat, texts), 1000u);
}

TEST(PiiPrefilter, PresidioCasesMatchTheLoop) {
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  // PERSON is off by default; switch every entity on so its patterns are compared too.
  for (auto& e : cat->entities) e.enabled = true;
  std::vector<std::string> texts;
  for (const auto& l : Lines(std::string(MNEMO_PII_TEST_DATA) + "/pii-cases.jsonl"))
    if (!l.empty()) texts.push_back(json::parse(l)["text"].get<std::string>());
  ASSERT_GT(texts.size(), 100u);
  EXPECT_GT(ExpectIdentical(*cat, texts), 100u);
}

TEST(PiiPrefilter, RandomTextsMatchTheLoop) {
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  for (auto& e : cat->entities) e.enabled = true;
  // Pieces that make near-misses likely: digits, separators, hex, key prefixes, invalid UTF-8.
  const std::vector<std::string> pieces = {"0",
                                           "1",
                                           "2",
                                           "3",
                                           "4",
                                           "5",
                                           "6",
                                           "7",
                                           "8",
                                           "9",
                                           " ",
                                           " ",
                                           "-",
                                           ".",
                                           ":",
                                           "::",
                                           "/",
                                           "@",
                                           "+",
                                           "(",
                                           ")",
                                           "_",
                                           "=",
                                           "\"",
                                           "'",
                                           "\t",
                                           "a",
                                           "e",
                                           "f",
                                           "x",
                                           "z",
                                           "A",
                                           "B",
                                           "F",
                                           "J",
                                           "Z",
                                           "AKIA",
                                           "ghp_",
                                           "xoxb-",
                                           "eyJ",
                                           "http://",
                                           "www.",
                                           ".com",
                                           ".org",
                                           "Mr ",
                                           "Dr. ",
                                           "Name ",
                                           "password=",
                                           "aws key ",
                                           "-----BEGIN RSA PRIVATE KEY-----",
                                           "-----END RSA PRIVATE KEY-----",
                                           "DE89",
                                           "GB",
                                           "bc1",
                                           "\xC3\xA9",
                                           "\xFF",
                                           "\x80",
                                           "Smith",
                                           "card",
                                           "ssn",
                                           "phone",
                                           "email"};
  std::mt19937 rng(20240601);
  std::vector<std::string> texts;
  for (int i = 0; i < 3000; ++i) {
    std::string t;
    size_t len = std::uniform_int_distribution<size_t>(1, i % 100 == 0 ? 20000 : 400)(rng);
    while (t.size() < len)
      t += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
    texts.push_back(t);
  }
  EXPECT_GT(ExpectIdentical(*cat, texts), 1000u);
}

TEST(PiiPrefilter, UnmodelledPatternsGoToTheSet) {
  auto base = Catalogue::Default();
  ASSERT_TRUE(base.ok());
  auto user = Catalogue::Parse(
      R"({"entities": [{"name": "TICKET", "patterns": [
            {"name": "unicode", "regex": "\\pL{3}-[0-9]{5}", "score": 0.5},
            {"name": "plain", "regex": "TCK-[0-9]{5}", "score": 0.5, "case_sensitive": true}]}]})",
      "user.json", &*base);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  Catalogue cat = *base;
  cat.Merge(*user);
  ScanOptions opt;
  opt.entities = {"TICKET", "EMAIL_ADDRESS"};
  auto s = Scanner::Create(cat, opt);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  int set = 0, runs = 0;
  for (size_t i = 0; i < (*s)->num_patterns(); ++i) ((*s)->RunsPattern(i) ? runs : set) += 1;
  EXPECT_EQ(set, 1);  // \pL is not modelled
  EXPECT_EQ(runs, 2);
  std::vector<Finding> f;
  ScanStats st;
  ASSERT_TRUE((*s)->Scan("ref ABC-12345 and TCK-54321, mail a.b@example.com", &f, &st).ok());
  EXPECT_EQ(f.size(), 3u);
  // The selection (not the default one) is compared too: Set and runs side by side.
  Catalogue only = cat;
  for (auto& e : only.entities) e.enabled = e.name == "TICKET" || e.name == "EMAIL_ADDRESS";
  // ABC-12345, TCK-00001 (both patterns, one finding), x@example.org, abc-99999.
  EXPECT_EQ(ExpectIdentical(only, {"ABC-12345 TCK-00001 x@example.org", "TCK-1234 abc-99999"}), 4u);
}

TEST(PiiRegexShape, InfersAlphabetTriggerAndLength) {
  RegexShape ssn = AnalyzeRegex("\\b[0-9]{3}-[0-9]{2}-[0-9]{4}\\b", false);
  ASSERT_TRUE(ssn.ok);
  EXPECT_EQ(ssn.min_length, 11u);
  EXPECT_TRUE(ssn.trigger.test('-'));  // rarer than a digit
  EXPECT_EQ(ssn.trigger.count(), 1u);
  EXPECT_EQ(ssn.alphabet.count(), 11u);
  RegexShape mail = AnalyzeRegex("[a-z]+@[a-z]+\\.(?:com|org)", true);
  ASSERT_TRUE(mail.ok);
  EXPECT_TRUE(mail.trigger.test('@'));
  EXPECT_TRUE(mail.alphabet.test('Q'));  // case-folded
  EXPECT_FALSE(mail.alphabet.test(' '));
  RegexShape alt = AnalyzeRegex("(?:AKIA|ASIA)[A-Z0-9]{16}", false);
  ASSERT_TRUE(alt.ok);
  EXPECT_EQ(alt.min_length, 20u);
  EXPECT_TRUE(alt.trigger.test('A'));
  EXPECT_FALSE(alt.alphabet.test('a'));
  RegexShape dot = AnalyzeRegex("key.{0,5}=", false);
  ASSERT_TRUE(dot.ok);
  EXPECT_TRUE(dot.alphabet.all());
  EXPECT_FALSE(AnalyzeRegex("\\pL+", false).ok);
  EXPECT_FALSE(AnalyzeRegex("a*", false).ok);  // matches the empty string
  EXPECT_FALSE(AnalyzeRegex("(?:x|)", false).ok);
  RegexShape cls = AnalyzeRegex("[^\\s\"]+:[[:digit:]]", false);
  ASSERT_TRUE(cls.ok);
  EXPECT_FALSE(cls.alphabet.test(' '));
  EXPECT_TRUE(cls.alphabet.test(0xFF));
  EXPECT_TRUE(cls.trigger.test(':'));
}

// RE2's \s is [\t\n\f\r ] (no vertical tab) while [[:space:]] has \v: a path of [^\s] runs
// through a \v (the fuzzer found a URL cut short at one).
TEST(PiiRegexShape, BackslashSFollowsRe2NotIsspace) {
  RegexShape s = AnalyzeRegex("a[^\\s]*", false);
  ASSERT_TRUE(s.ok);
  EXPECT_TRUE(s.alphabet.test('\v'));
  EXPECT_FALSE(s.alphabet.test('\f'));
  RegexShape posix = AnalyzeRegex("a[^[:space:]]*", false);
  ASSERT_TRUE(posix.ok);
  EXPECT_FALSE(posix.alphabet.test('\v'));
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  // Hex escapes end at a string break, so "\x0b" "b" is a \v then a 'b'.
  EXPECT_GT(ExpectIdentical(*cat, {"see ack.org/\xb8\xcf\x0b"
                                   "path\x0b"
                                   "more/x and http://example.com/a\x0b"
                                   "b\x0b"
                                   "c?q=1 end"}),
            0u);
}

// Optional parts between two required ones make a gapped pair: the key word's last letter,
// at most an optional quote and three spaces, then ':' or '='.
TEST(PiiRegexShape, InfersGappedPairsAcrossOptionalParts) {
  RegexShape kv = AnalyzeRegex("(?:key|token)[\"']?[ \\t]{0,3}[:=][0-9]+", true);
  ASSERT_TRUE(kv.ok);
  ASSERT_FALSE(kv.gapped.empty());
  const GappedPair& g = kv.gapped[0];
  EXPECT_EQ(g.gap, 4u);
  EXPECT_TRUE(g.first.test('y') && g.first.test('N') && !g.first.test('k'));
  EXPECT_TRUE(g.fill.test(' ') && g.fill.test('\t') && g.fill.test('"') && !g.fill.test('a'));
  EXPECT_TRUE(g.second.test('=') && g.second.test(':') && !g.second.test(' '));
  // No gap, no gapped pair (an adjacent pair); an optional part alone requires nothing.
  EXPECT_TRUE(AnalyzeRegex("ab", false).gapped.empty());
  EXPECT_TRUE(AnalyzeRegex("a(?:b c?d)?", false).gapped.empty());
  EXPECT_TRUE(AnalyzeRegex("a|b c?d", false).gapped.empty());
  // Too long a gap is not bridged.
  EXPECT_TRUE(AnalyzeRegex("a[ ]{0,20}b", false).gapped.empty());
}

TEST(PiiRegexShape, InfersMaxLengthAndRequiredPairs) {
  RegexShape ssn = AnalyzeRegex("\\b[0-9]{3}-[0-9]{2}-[0-9]{4}\\b", false);
  ASSERT_TRUE(ssn.ok);
  EXPECT_EQ(ssn.max_length, 11u);
  auto has_pair = [](const RegexShape& s, unsigned char x, unsigned char y) {
    for (const auto& p : s.pairs)
      if (p.first.test(x) && p.second.test(y) && p.first.count() <= 10 && p.second.count() <= 10)
        return true;
    return false;
  };
  EXPECT_TRUE(has_pair(ssn, '-', '5') || has_pair(ssn, '5', '-'));
  RegexShape host = AnalyzeRegex("(?:[a-z0-9]+\\.)+[a-z]{2,}", true);
  ASSERT_TRUE(host.ok);
  EXPECT_EQ(host.max_length, RegexShape::kUnbounded);
  bool dot_letter = false;
  for (const auto& p : host.pairs)
    dot_letter = dot_letter || (p.first.count() == 1 && p.first.test('.') && p.second.test('q') &&
                                !p.second.test(' '));
  EXPECT_TRUE(dot_letter);  // a host name has ". then a letter"
  // Optional and alternative parts require nothing; empty-width assertions join neighbors.
  RegexShape opt = AnalyzeRegex("a(?:bc)?d", false);
  ASSERT_TRUE(opt.ok);
  EXPECT_EQ(opt.max_length, 4u);
  for (const auto& p : opt.pairs)
    EXPECT_FALSE(p.first.test('b') && p.second.test('c') && !p.first.test('a'));
  RegexShape alt = AnalyzeRegex("x\\b(?:ab|cd)", false);
  ASSERT_TRUE(alt.ok);
  bool union_pair = false;
  for (const auto& p : alt.pairs)
    union_pair = union_pair || (p.first.test('a') && p.first.test('c'));
  EXPECT_TRUE(union_pair);
  EXPECT_EQ(AnalyzeRegex("a{2,5}b?", false).max_length, 6u);
  EXPECT_EQ(AnalyzeRegex("a.{0,20}?b", false).max_length, 22u);
}

// The shape contract on the shipped patterns, checked against RE2 itself: every match of
// every pattern in random texts built from the pattern's own bytes holds a trigger byte and
// every required pair, and its length is within [min_length, max_length].
TEST(PiiRegexShape, ContractHoldsForShippedPatterns) {
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  std::mt19937 rng(99);
  const std::vector<std::string> pieces = {
      "0",       "1",    "5",        "9",         " ",        "-",
      ".",       ":",    "/",        "@",         "+",        "_",
      "=",       "\"",   "a",        "e",         "x",        "A",
      "J",       "Z",    "AKIA",     "ghp_",      "xoxb-",    "eyJ",
      "http://", "www.", ".com",     "password=", "aws key ", "-----BEGIN RSA PRIVATE KEY-----",
      "DE89",    "bc1",  "\xC3\xA9", "12345678",  "3 . 5"};
  size_t checked = 0;
  for (const auto& e : cat->entities) {
    for (const auto& p : e.patterns) {
      RegexShape shape = AnalyzeRegex(p.regex, !p.case_sensitive);
      if (!shape.ok) continue;
      RE2 re(p.regex, ScannerOptions(p));
      ASSERT_TRUE(re.ok()) << p.regex;
      for (int i = 0; i < 1000; ++i) {
        std::string t;
        size_t len = std::uniform_int_distribution<size_t>(1, 200)(rng);
        while (t.size() < len)
          t += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
        re2::StringPiece m;
        size_t pos = 0;
        while (pos <= t.size() && re.Match(t, pos, t.size(), RE2::UNANCHORED, &m, 1)) {
          const size_t s = static_cast<size_t>(m.data() - t.data()), n = m.size();
          EXPECT_GE(n, shape.min_length) << p.regex;
          EXPECT_LE(n, shape.max_length) << p.regex;
          bool trig = false;
          for (size_t k = s; k < s + n; ++k)
            trig = trig || shape.trigger.test(static_cast<unsigned char>(t[k]));
          EXPECT_TRUE(trig) << p.regex << " on " << t.substr(s, n);
          for (const auto& pr : shape.pairs) {
            bool found = false;
            for (size_t k = s; k + 1 < s + n; ++k)
              found = found || (pr.first.test(static_cast<unsigned char>(t[k])) &&
                                pr.second.test(static_cast<unsigned char>(t[k + 1])));
            EXPECT_TRUE(found) << p.regex << " on " << t.substr(s, n);
          }
          for (const auto& g : shape.gapped) {
            bool found = false;
            for (size_t k = s; k < s + n && !found; ++k) {
              if (!g.first.test(static_cast<unsigned char>(t[k]))) continue;
              for (size_t q = k + 1; q < s + n && q <= k + 1 + g.gap && !found; ++q) {
                found = g.second.test(static_cast<unsigned char>(t[q]));
                if (!g.fill.test(static_cast<unsigned char>(t[q]))) break;
              }
            }
            EXPECT_TRUE(found) << p.regex << " gapped pair on " << t.substr(s, n);
          }
          ++checked;
          pos = s + std::max<size_t>(n, 1);
        }
      }
    }
  }
  EXPECT_GT(checked, 1000u);
}

// Numbers and separators placed across the 64-byte words of the prefilter's masks and the
// texts' ends: the gates (long runs of an alphabet, found across words) and the fixed-length
// matchers must keep every finding the loop has.
TEST(PiiPrefilter, NumbersAcrossMaskWordsMatchTheLoop) {
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  for (auto& e : cat->entities) e.enabled = true;
  const std::vector<std::string> numbers = {
      "556-26-8166",
      "5126 9009 5803 1774",
      "(968) 379-5369",
      "123456789",
      "012345678",
      "912-70-1234",
      "912 70 1234",
      "A12345678",
      "a12345678",
      "01 23 45 67 89",
      "0123 456789",
      "12345-6789",
      "DE49569715174700570382",
      "70.239.133.250",
      "12345678901234567",
      "1234567890123456789012345678901234567890123456789012345678901234567890",
      "00:1a:2b:3c:4d:5e",
      "0a1b.2c3d.4e5f",
      "AKIAB2SMLUGSTMHARNNP"};
  std::mt19937 rng(64);
  std::vector<std::string> texts;
  for (const auto& num : numbers) {
    for (size_t at : {0u, 1u, 30u, 55u, 58u, 60u, 62u, 63u, 64u, 65u, 120u, 126u, 127u, 128u}) {
      for (const char* before : {"", " ", "x", "_", "-", "1"}) {
        for (const char* after : {"", " ", ".", "z", "9"}) {
          std::string t(at, 'a');
          for (size_t k = 0; k < at; ++k)
            t[k] = "ab cd.ef "[std::uniform_int_distribution<int>(0, 8)(rng)];
          t += before + num + after;
          if (std::uniform_int_distribution<int>(0, 1)(rng) == 1) t += " tail of the text";
          texts.push_back(t);
        }
      }
    }
  }
  // Long digit and separator runs, cut at every length around the words' edges.
  std::string digits;
  for (int k = 0; k < 200; ++k) digits += static_cast<char>('0' + (k * 7 + k / 10) % 10);
  for (size_t len = 1; len <= 200; ++len) {
    texts.push_back(digits.substr(0, len));
    std::string spaced;
    for (size_t k = 0; k < len; ++k) spaced += std::string(1, digits[k]) + (k % 4 == 3 ? " " : "");
    texts.push_back("x " + spaced);
  }
  EXPECT_GT(ExpectIdentical(*cat, texts), 1000u);
}

// Every entity alone: a selection changes the run patterns, the trigger classes and the
// gates (none at all for some), so each must still match the loop.
TEST(PiiPrefilter, EachEntityAloneMatchesTheLoop) {
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  std::vector<std::string> texts;
  for (const auto& l : Lines(std::string(MNEMO_PII_TEST_DATA) + "/pii-cases.jsonl"))
    if (!l.empty()) texts.push_back(json::parse(l)["text"].get<std::string>());
  for (const auto& l : Lines(std::string(MNEMO_FIXTURES_DIR) + "/canaries.jsonl"))
    if (!l.empty()) texts.push_back(json::parse(l)["text"].get<std::string>());
  std::string all;  // one long text: runs across the masks' words
  for (const auto& t : texts) all += t + " ";
  texts.push_back(all);
  size_t total = 0;
  for (size_t i = 0; i < cat->entities.size(); ++i) {
    Catalogue one = *cat;
    for (size_t j = 0; j < one.entities.size(); ++j) one.entities[j].enabled = i == j;
    total += ExpectIdentical(one, texts);
  }
  EXPECT_GT(total, 1000u);
}

// A gate whose long run starts in the previous 64-byte word: here the only trigger ('Q') is
// the run's last byte, so nothing earlier in the run can stand in for it.
TEST(PiiPrefilter, GateRunsFromThePreviousWord) {
  auto base = Catalogue::Default();
  ASSERT_TRUE(base.ok());
  auto user = Catalogue::Parse(
      R"({"entities": [{"name": "TAIL_Q", "patterns": [
            {"name": "q", "regex": "[a-z]{8}Q", "score": 0.5, "case_sensitive": true}]}]})",
      "user.json", &*base);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  Catalogue cat = *base;
  cat.Merge(*user);
  for (auto& e : cat.entities) e.enabled = e.name == "TAIL_Q";
  std::vector<std::string> texts;
  size_t want = 0;
  for (size_t at = 0; at < 140; ++at) {
    for (size_t len : {7u, 8u, 9u}) {
      std::string t(at, ' ');
      t += std::string(len, 'k') + "Q and more";
      texts.push_back(t);
      want += len >= 8;
    }
  }
  EXPECT_EQ(ExpectIdentical(cat, texts), want);
}

// Fixed-length patterns are matched by their class sequence (regex_shape.h) where it is
// exact, without RE2: the sequence must accept exactly the spans RE2 accepts, for every
// shipped pattern that has one, in texts made of the bytes those patterns care about.
TEST(PiiRegexShape, ExactSequencesAgreeWithRe2) {
  auto cat = Catalogue::Default();
  ASSERT_TRUE(cat.ok());
  for (auto& e : cat->entities) e.enabled = true;
  const std::vector<std::string> pieces = {
      "0", "1", "2", "5", "6", "9", " ",        "-",    ".",    ":",    "/",    "_",    "a",
      "f", "g", "A", "F", "K", "Z", "\xC3\xA9", "\xC9", "\xFF", "AKIA", "ghp_", "AIza", "hf_"};
  std::mt19937 rng(11);
  size_t exact = 0, spans = 0, matched = 0;
  for (const auto& e : cat->entities) {
    for (const auto& p : e.patterns) {
      RegexShape shape = AnalyzeRegex(p.regex, !p.case_sensitive);
      if (!shape.ok || shape.sequence.empty()) continue;
      EXPECT_EQ(shape.sequence.size(), shape.min_length) << p.regex;
      EXPECT_EQ(shape.sequence.size(), shape.max_length) << p.regex;
      RE2 re(p.regex, ScannerOptions(p));
      ASSERT_TRUE(re.ok()) << p.regex;
      exact += shape.sequence_exact;
      const size_t len = shape.sequence.size();
      auto piece = [&] {
        return pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
      };
      for (int i = 0; i < 300; ++i) {
        // Pieces around a string drawn from the sequence itself, some of its bytes replaced:
        // matches and near misses.
        std::string t;
        for (int k = std::uniform_int_distribution<int>(0, 3)(rng); k > 0; --k) t += piece();
        for (size_t j = 0; j < len; ++j) {
          if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) {
            t += piece();
            continue;
          }
          int b = 0;
          do {
            b = std::uniform_int_distribution<int>(0, 255)(rng);
          } while (!shape.sequence[j].test(static_cast<size_t>(b)));
          t += static_cast<char>(b);
        }
        for (int k = std::uniform_int_distribution<int>(0, 3)(rng); k > 0; --k) t += piece();
        const auto* u = reinterpret_cast<const unsigned char*>(t.data());
        for (size_t s = 0; s + len <= t.size(); ++s) {
          bool seq = true;
          for (size_t j = 0; j < len && seq; ++j) seq = shape.sequence[j].test(u[s + j]);
          for (size_t o = 0; o <= len && seq; ++o) {
            if ((shape.word_boundaries >> o & 1) == 0) continue;
            auto word = [&](size_t at) {
              return at < t.size() && (std::isalnum(u[at]) != 0 || u[at] == '_');
            };
            seq = (s + o > 0 && word(s + o - 1)) != word(s + o);
          }
          const bool re2 = re.Match(t, s, s + len, RE2::ANCHOR_BOTH, nullptr, 0);
          ++spans;
          matched += re2;
          if (re2) {
            EXPECT_TRUE(seq) << p.regex << " at " << s << " in " << t;  // a superset
          }
          if (shape.sequence_exact) {
            EXPECT_EQ(seq, re2) << p.regex << " at " << s << " in " << t;
          }
        }
      }
    }
  }
  EXPECT_GE(exact, 10u);  // SSN, routing, passport, MAC, ... are exact
  EXPECT_GT(matched, 100u);
  EXPECT_GT(spans, 10000u);
}

TEST(PiiRegexShape, SequencesOfFixedLengthPatterns) {
  RegexShape ssn = AnalyzeRegex("\\b[0-9]{3}-[0-9]{2}-[0-9]{4}\\b", false);
  ASSERT_EQ(ssn.sequence.size(), 11u);
  EXPECT_TRUE(ssn.sequence_exact);
  EXPECT_EQ(ssn.word_boundaries, (uint64_t{1} << 11) | 1);
  EXPECT_TRUE(ssn.sequence[3].test('-'));
  EXPECT_EQ(ssn.sequence[3].count(), 1u);
  // Case folding, repeated groups, inner boundaries.
  RegexShape pass = AnalyzeRegex("\\b[A-Z](?:[0-9]{2}){4}\\b", true);
  ASSERT_EQ(pass.sequence.size(), 9u);
  EXPECT_TRUE(pass.sequence_exact);
  EXPECT_TRUE(pass.sequence[0].test('q'));
  EXPECT_FALSE(pass.sequence[0].test(0xE9));
  EXPECT_EQ(AnalyzeRegex("a\\bb", false).word_boundaries, uint64_t{2});
  // Alternatives of one length: a superset, confirmed by RE2.
  RegexShape alt = AnalyzeRegex("(?:AB|CD)[0-9]", false);
  ASSERT_EQ(alt.sequence.size(), 3u);
  EXPECT_FALSE(alt.sequence_exact);
  EXPECT_TRUE(alt.sequence[0].test('A') && alt.sequence[0].test('C'));
  // Not modelled exactly: other assertions, a negated class under case folding, bytes that
  // Latin-1 folding may treat otherwise.
  EXPECT_FALSE(AnalyzeRegex("^[0-9]{3}", false).sequence_exact);
  EXPECT_FALSE(AnalyzeRegex("[^a][0-9]", true).sequence_exact);
  EXPECT_TRUE(AnalyzeRegex("[^a][0-9]", false).sequence_exact);
  EXPECT_FALSE(AnalyzeRegex("\\xE9[0-9]", true).sequence_exact);
  // Variable length: no sequence.
  EXPECT_TRUE(AnalyzeRegex("[0-9]{3,4}", false).sequence.empty());
  EXPECT_TRUE(AnalyzeRegex("a(?:b|cd)", false).sequence.empty());
  EXPECT_TRUE(AnalyzeRegex("[0-9]-?[0-9]", false).sequence.empty());
  EXPECT_TRUE(AnalyzeRegex("[0-9]{64}", false).sequence.empty());  // longer than 63
}

TEST(PiiEngine, CodePointOffsetCountsNonContinuationBytes) {
  std::mt19937 rng(5);
  for (int i = 0; i < 200; ++i) {
    std::string t(std::uniform_int_distribution<size_t>(0, 100)(rng), ' ');
    for (char& c : t) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    size_t off = std::uniform_int_distribution<size_t>(0, t.size() + 3)(rng);
    size_t want = 0;
    for (size_t k = 0; k < off && k < t.size(); ++k)
      want += (static_cast<unsigned char>(t[k]) & 0xC0) != 0x80;
    EXPECT_EQ(CodePointOffset(t, off), want);
  }
}

}  // namespace
}  // namespace mnemo::pii
