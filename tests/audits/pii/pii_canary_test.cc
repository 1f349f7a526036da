// The tiny-gemma3 fixture: every canary record plants seven kinds of synthetic PII; the
// scanner (default options: context on, likelihood POSSIBLE or more) must find all of them,
// with the exact planted value. The base text of train.jsonl (the Debian corpus with every
// planted record cut out) is scanned too; what is found there is printed, counted and sampled.
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audits/pii/catalogue.h"
#include "audits/pii/engine.h"
#include "tests/audits/pii/canary_values.h"

namespace mnemo::pii {
namespace {

using nlohmann::json;

std::unique_ptr<Scanner> DefaultScanner() {
  auto cat = Catalogue::Default();
  EXPECT_TRUE(cat.ok()) << cat.status().ToString();
  auto s = Scanner::Create(*cat, ScanOptions());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

using testing::Canaries;
using testing::PlantedValues;

TEST(PiiCanaries, FullRecallOfThePlantedKinds) {
  auto scanner = DefaultScanner();
  const std::map<std::string, std::string> kind_entity = {
      {"email", "EMAIL_ADDRESS"},   {"phone", "PHONE_NUMBER"},
      {"card", "CREDIT_CARD"},      {"ssn", "US_SSN"},
      {"iban", "IBAN_CODE"},        {"ip", "IP_ADDRESS"},
      {"aws_key", "AWS_ACCESS_KEY"}};
  auto canaries = Canaries();
  ASSERT_EQ(canaries.size(), 140u);
  int planted = 0, found = 0;
  for (const auto& c : canaries) {
    std::string text = c["text"].get<std::string>();
    const std::map<std::string, std::string> value = PlantedValues(text);
    std::vector<Finding> f;
    ScanStats st;
    ASSERT_TRUE(scanner->Scan(text, &f, &st).ok());
    for (const auto& k : c["kinds"]) {
      ++planted;
      const std::string& entity = kind_entity.at(k.get<std::string>());
      const std::string& want = value.at(k.get<std::string>());
      ASSERT_FALSE(want.empty()) << c["id"] << " " << k;
      bool hit = false;
      for (const auto& x : f)
        hit = hit || (scanner->entities()[x.entity].name == entity &&
                      text.substr(x.start, x.end - x.start) == want);
      found += hit;
      EXPECT_TRUE(hit) << c["id"].get<std::string>() << ": " << entity << " '" << want
                       << "' not found in: " << text;
    }
  }
  std::printf("canaries: %d of %d planted values found (%.1f%% recall)\n", found, planted,
              100.0 * found / planted);
  EXPECT_EQ(found, planted);
}

TEST(PiiCanaries, FindingsOnTrainBaseTextAreCountedAndSampled) {
  auto scanner = DefaultScanner();
  std::vector<std::string> planted;
  for (const auto& c : Canaries()) {
    planted.push_back(c["prefix"].get<std::string>());
    planted.push_back(c["text"].get<std::string>());
  }
  std::ifstream in(std::string(MNEMO_FIXTURES_DIR) + "/train.jsonl");
  ASSERT_TRUE(in.good());
  std::string line;
  int docs = 0;
  int64_t bytes = 0;
  std::map<std::string, int> counts;
  std::map<std::string, std::vector<std::string>> samples;
  while (std::getline(in, line)) {
    json d = json::parse(line);
    std::string text = d["text"].get<std::string>();
    for (const auto& p : planted)
      for (size_t at; (at = text.find(p)) != std::string::npos;) text.erase(at, p.size());
    ++docs;
    bytes += static_cast<int64_t>(text.size());
    std::vector<Finding> f;
    ScanStats st;
    ASSERT_TRUE(scanner->Scan(text, &f, &st).ok());
    for (const auto& x : f) {
      const std::string& e = scanner->entities()[x.entity].name;
      ++counts[e];
      if (samples[e].size() < 5) {
        size_t lo = x.start > 30 ? x.start - 30 : 0;
        std::string ctx = text.substr(lo, std::min(text.size(), x.end + 20) - lo);
        for (char& ch : ctx)
          if (ch == '\n') ch = ' ';
        samples[e].push_back(d["id"].get<std::string>() + " [" + LikelihoodName(x.likelihood) +
                             "] '" + text.substr(x.start, x.end - x.start) + "' in: ..." + ctx +
                             "...");
      }
    }
  }
  int total = 0;
  for (const auto& [e, n] : counts) total += n;
  std::printf("train.jsonl base text: %d documents, %.1f MB, %d findings at POSSIBLE or above\n",
              docs, bytes / 1e6, total);
  for (const auto& [e, n] : counts) {
    std::printf("  %-16s %d\n", e.c_str(), n);
    for (const auto& s : samples[e]) std::printf("      %s\n", s.c_str());
  }
  EXPECT_EQ(docs, 7535);
}

}  // namespace
}  // namespace mnemo::pii
