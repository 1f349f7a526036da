// The tiny-gemma3 fixture's canaries (canaries.jsonl under MNEMO_FIXTURES_DIR) and the PII
// values each plants, cut from its text by the labels around them: planted ground truth for
// the scanner's recall and for redaction. Header-only, for tests.
#ifndef MNEMO_TESTS_AUDITS_PII_CANARY_VALUES_H_
#define MNEMO_TESTS_AUDITS_PII_CANARY_VALUES_H_

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mnemo::pii::testing {

inline std::vector<nlohmann::json> Canaries() {
  std::vector<nlohmann::json> out;
  std::ifstream in(std::string(MNEMO_FIXTURES_DIR) + "/canaries.jsonl");
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// The value between `before` and `after` in `text` ("" when absent).
inline std::string Between(const std::string& text, const std::string& before,
                           const std::string& after) {
  size_t a = text.find(before);
  if (a == std::string::npos) return "";
  a += before.size();
  size_t b = text.find(after, a);
  return b == std::string::npos ? "" : text.substr(a, b - a);
}

// kind ("email", "phone", "card", "ssn", "iban", "ip", "aws_key") -> the planted value.
inline std::map<std::string, std::string> PlantedValues(const std::string& text) {
  return {{"email", Between(text, "Email: ", ". Phone")},
          {"phone", Between(text, "Phone: ", ". Card")},
          {"card", Between(text, "Card number ", ". SSN")},
          {"ssn", Between(text, "SSN ", ". IBAN")},
          {"iban", Between(text, "IBAN ", ". Last")},
          {"ip", Between(text, "login from ", " with")},
          {"aws_key", Between(text, "with key ", ".")}};
}

// The pieces of `value` a reader must not see: every substring that starts and ends with a
// digit and holds at least `min_digits` digits.
inline std::vector<std::string> DigitRuns(const std::string& value, int min_digits = 4) {
  std::vector<std::string> out;
  for (size_t a = 0; a < value.size(); ++a) {
    if (value[a] < '0' || value[a] > '9') continue;
    int digits = 0;
    for (size_t b = a; b < value.size(); ++b) {
      if (value[b] < '0' || value[b] > '9') continue;
      if (++digits >= min_digits) out.push_back(value.substr(a, b - a + 1));
    }
  }
  return out;
}

}  // namespace mnemo::pii::testing

#endif  // MNEMO_TESTS_AUDITS_PII_CANARY_VALUES_H_
