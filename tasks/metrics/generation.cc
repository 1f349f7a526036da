#include "tasks/metrics/generation.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "tasks/python/py_text.h"

namespace mnemo {
namespace {

// Python's string.punctuation.
constexpr const char kPunctuation[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

bool IsPunct(char c) {
  return c != '\0' && std::strchr(kPunctuation, c) != nullptr;
}

std::string DeleteIf(std::string_view s, bool (*pred)(char)) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!pred(c)) out.push_back(c);
  }
  return out;
}

bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

Result<ExactMatchOptions> ExactMatchOptions::FromJson(const nlohmann::json& j) {
  ExactMatchOptions o;
  if (!j.is_object()) return Status::InvalidArgument("exact_match options must be an object");
  auto get_bool = [&](const char* key, bool* out) -> Status {
    if (!j.contains(key) || j[key].is_null()) return Status::Ok();
    if (!j[key].is_boolean())
      return Status::InvalidArgument(std::string("exact_match: '") + key + "' must be a boolean");
    *out = j[key].get<bool>();
    return Status::Ok();
  };
  MNEMO_RETURN_IF_ERROR(get_bool("ignore_case", &o.ignore_case));
  MNEMO_RETURN_IF_ERROR(get_bool("ignore_punctuation", &o.ignore_punctuation));
  MNEMO_RETURN_IF_ERROR(get_bool("ignore_numbers", &o.ignore_numbers));
  if (j.contains("regexes_to_ignore") && !j["regexes_to_ignore"].is_null()) {
    const auto& r = j["regexes_to_ignore"];
    if (!r.is_array())
      return Status::InvalidArgument("exact_match: 'regexes_to_ignore' must be a list");
    for (const auto& p : r) {
      if (!p.is_string())
        return Status::InvalidArgument("exact_match: 'regexes_to_ignore' must hold strings");
      o.regexes_to_ignore.push_back(p.get<std::string>());
    }
  }
  return o;
}

Result<ExactMatch> ExactMatch::Create(const ExactMatchOptions& options) {
  ExactMatch m;
  m.options_ = options;
  for (const std::string& p : options.regexes_to_ignore) {
    auto re = PyRegex::Compile(p);
    if (!re.ok()) return Status::InvalidArgument("exact_match: " + re.status().message());
    m.ignore_.push_back(std::move(re).value());
  }
  return m;
}

std::string ExactMatch::Normalize(std::string_view s) const {
  std::string out(s);
  for (const PyRegex& re : ignore_) out = re.Sub(out, "");
  if (options_.ignore_case) out = pystr::Lower(out);
  if (options_.ignore_punctuation) out = DeleteIf(out, &IsPunct);
  if (options_.ignore_numbers) out = DeleteIf(out, &IsAsciiDigit);
  return out;
}

double ExactMatch::Score(std::string_view prediction, std::string_view reference) const {
  return Normalize(prediction) == Normalize(reference) ? 1.0 : 0.0;
}

double ExactMatch::Score(std::string_view prediction,
                         const std::vector<std::string>& references) const {
  const std::string p = Normalize(prediction);
  for (const std::string& r : references) {
    if (Normalize(r) == p) return 1.0;
  }
  return 0.0;
}

std::string SquadNormalize(std::string_view s) {
  // white_space_fix(remove_articles(remove_punc(lower(s))))
  std::string t = DeleteIf(pystr::Lower(s), &IsPunct);
  // re.sub(r"\b(a|an|the)\b", " ", t): a match is a whole word (a maximal run of \w).
  std::u32string in = pystr::Decode(t), out;
  size_t i = 0;
  while (i < in.size()) {
    if (!pystr::IsWordChar(in[i])) {
      out.push_back(in[i++]);
      continue;
    }
    size_t j = i;
    while (j < in.size() && pystr::IsWordChar(in[j])) ++j;
    std::u32string_view w(in.data() + i, j - i);
    if (w == U"a" || w == U"an" || w == U"the") {
      out.push_back(U' ');
    } else {
      out.append(w);
    }
    i = j;
  }
  std::string joined;
  for (const std::string& tok : pystr::Split(pystr::Encode(out))) {
    if (!joined.empty()) joined.push_back(' ');
    joined += tok;
  }
  return joined;
}

double SquadTokenF1(std::string_view prediction, std::string_view reference) {
  std::vector<std::string> p = pystr::Split(SquadNormalize(prediction));
  std::vector<std::string> g = pystr::Split(SquadNormalize(reference));
  std::unordered_map<std::string, long> counts;
  for (const std::string& t : g) ++counts[t];
  long same = 0;
  for (const std::string& t : p) {
    auto it = counts.find(t);
    if (it != counts.end() && it->second > 0) --it->second, ++same;
  }
  if (same == 0) return 0.0;
  double precision = 1.0 * static_cast<double>(same) / static_cast<double>(p.size());
  double recall = 1.0 * static_cast<double>(same) / static_cast<double>(g.size());
  return (2 * precision * recall) / (precision + recall);
}

double SquadTokenF1(std::string_view prediction, const std::vector<std::string>& references) {
  double best = 0.0;
  for (const std::string& r : references) best = std::max(best, SquadTokenF1(prediction, r));
  return best;
}

}  // namespace mnemo
