#include "audits/pii/catalogue.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include <re2/re2.h>

#include "audits/pii/validators.h"

namespace mnemo::pii {
namespace {

using nlohmann::json;

const char* const kLikelihoodNames[] = {"VERY_UNLIKELY", "UNLIKELY", "POSSIBLE", "LIKELY",
                                        "VERY_LIKELY"};

// Reads the fields of one JSON object, remembering where it is for error messages.
class Fields {
 public:
  Fields(const json& obj, std::string origin, std::string path)
      : obj_(obj), origin_(std::move(origin)), path_(std::move(path)) {}

  Status Error(const std::string& key, const std::string& what) const {
    std::string field = path_.empty() ? key : key.empty() ? path_ : path_ + "." + key;
    return Status::InvalidArgument(origin_ + ": field '" + field + "' " + what);
  }
  Status CheckKeys(std::initializer_list<const char*> known) const {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      bool ok = false;
      for (const char* k : known) ok = ok || it.key() == k;
      if (!ok) return Error(it.key(), "is not a known field");
    }
    return Status::Ok();
  }
  bool Has(const char* key) const { return obj_.contains(key) && !obj_[key].is_null(); }
  Status String(const char* key, std::string* out, bool required = false) const {
    if (!Has(key)) return required ? Error(key, "is missing") : Status::Ok();
    if (!obj_[key].is_string()) return Error(key, "must be a string");
    *out = obj_[key].get<std::string>();
    return Status::Ok();
  }
  Status Number(const char* key, double* out, double lo, double hi) const {
    if (!Has(key)) return Status::Ok();
    if (!obj_[key].is_number()) return Error(key, "must be a number");
    double v = obj_[key].get<double>();
    if (v < lo || v > hi)
      return Error(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    *out = v;
    return Status::Ok();
  }
  Status Int(const char* key, int* out, int lo, int hi) const {
    if (!Has(key)) return Status::Ok();
    if (!obj_[key].is_number_integer()) return Error(key, "must be an integer");
    int64_t v = obj_[key].get<int64_t>();
    if (v < lo || v > hi)
      return Error(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    *out = static_cast<int>(v);
    return Status::Ok();
  }
  Status Bool(const char* key, bool* out) const {
    if (!Has(key)) return Status::Ok();
    if (!obj_[key].is_boolean()) return Error(key, "must be true or false");
    *out = obj_[key].get<bool>();
    return Status::Ok();
  }
  Status Strings(const char* key, std::vector<std::string>* out) const {
    if (!Has(key)) return Status::Ok();
    if (!obj_[key].is_array()) return Error(key, "must be a list of strings");
    for (const auto& v : obj_[key]) {
      if (!v.is_string()) return Error(key, "must be a list of strings");
      out->push_back(v.get<std::string>());
    }
    return Status::Ok();
  }
  Status Likelihoods(const char* key, Thresholds* t) const {
    if (!Has(key)) return Status::Ok();
    if (!obj_[key].is_object()) return Error(key, "must be an object of likelihood: min score");
    Fields f(obj_[key], origin_, path_.empty() ? key : path_ + "." + key);
    MNEMO_RETURN_IF_ERROR(f.CheckKeys({"UNLIKELY", "POSSIBLE", "LIKELY", "VERY_LIKELY"}));
    for (int i = 0; i < 4; ++i)
      MNEMO_RETURN_IF_ERROR(f.Number(kLikelihoodNames[i + 1], &(*t)[i], 0, 1));
    for (int i = 1; i < 4; ++i)
      if ((*t)[i] < (*t)[i - 1]) return Error(key, "thresholds must not decrease");
    return Status::Ok();
  }
  const json& obj() const { return obj_; }
  const std::string& path() const { return path_; }
  const std::string& origin() const { return origin_; }

 private:
  const json& obj_;
  std::string origin_;
  std::string path_;
};

Status CompileByteClass(const Fields& f, const char* key, const std::string& cls,
                        std::bitset<256>* out) {
  if (cls.empty()) return Status::Ok();
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  RE2 re(cls, o);
  if (!re.ok()) return f.Error(key, "is not a valid RE2 character class: " + re.error());
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    if (RE2::FullMatch(re2::StringPiece(&c, 1), re)) out->set(b);
  }
  return Status::Ok();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status ParsePattern(const Fields& f, PatternDef* p) {
  MNEMO_RETURN_IF_ERROR(f.CheckKeys({"name", "regex", "score", "case_sensitive", "group",
                                     "not_before", "not_after", "validator"}));
  MNEMO_RETURN_IF_ERROR(f.String("name", &p->name));
  MNEMO_RETURN_IF_ERROR(f.String("regex", &p->regex, true));
  MNEMO_RETURN_IF_ERROR(f.Number("score", &p->score, 0, 1));
  MNEMO_RETURN_IF_ERROR(f.Bool("case_sensitive", &p->case_sensitive));
  MNEMO_RETURN_IF_ERROR(f.Int("group", &p->group, 0, 99));
  MNEMO_RETURN_IF_ERROR(f.String("not_before", &p->not_before));
  MNEMO_RETURN_IF_ERROR(f.String("not_after", &p->not_after));
  MNEMO_RETURN_IF_ERROR(f.String("validator", &p->validator));
  if (!p->validator.empty() && p->validator != "none" && FindValidator(p->validator) == nullptr)
    return f.Error("validator", "names no known validator '" + p->validator +
                                    "' (known: " + KnownValidatorNames() + ", none)");
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_case_sensitive(p->case_sensitive);
  o.set_log_errors(false);
  RE2 re(p->regex, o);
  if (!re.ok()) return f.Error("regex", "is not a valid RE2 pattern: " + re.error());
  if (p->group > re.NumberOfCapturingGroups())
    return f.Error("group", "names a capture group the regex does not have");
  MNEMO_RETURN_IF_ERROR(CompileByteClass(f, "not_before", p->not_before, &p->before_set));
  MNEMO_RETURN_IF_ERROR(CompileByteClass(f, "not_after", p->not_after, &p->after_set));
  return Status::Ok();
}

Status ParseEntity(const Fields& f, const Catalogue& cat, EntityDef* e) {
  MNEMO_RETURN_IF_ERROR(
      f.CheckKeys({"name", "info_type", "description", "patterns", "validator", "validator_params",
                   "validated_score", "context", "window_before", "window_after", "context_match",
                   "allow_list", "deny_list", "deny_score", "likelihood", "enabled"}));
  MNEMO_RETURN_IF_ERROR(f.String("name", &e->name, true));
  if (e->name.empty()) return f.Error("name", "must not be empty");
  for (char c : e->name)
    if (!(std::isupper(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return f.Error("name", "must be upper-case letters, digits and '_' (got '" + e->name + "')");
  e->info_type = e->name;
  MNEMO_RETURN_IF_ERROR(f.String("info_type", &e->info_type));
  MNEMO_RETURN_IF_ERROR(f.String("validator", &e->validator));
  if (!e->validator.empty() && FindValidator(e->validator) == nullptr)
    return f.Error("validator", "names no known validator '" + e->validator +
                                    "' (known: " + KnownValidatorNames() + ")");
  if (f.Has("validator_params")) {
    if (!f.obj()["validator_params"].is_object())
      return f.Error("validator_params", "must be an object");
    e->validator_params = f.obj()["validator_params"];
  }
  MNEMO_RETURN_IF_ERROR(f.Number("validated_score", &e->validated_score, 0, 1));
  MNEMO_RETURN_IF_ERROR(f.Strings("context", &e->context));
  for (auto& w : e->context) w = Lower(w);
  MNEMO_RETURN_IF_ERROR(f.Int("window_before", &e->window_before, 0, 50));
  MNEMO_RETURN_IF_ERROR(f.Int("window_after", &e->window_after, 0, 50));
  std::string mode = "substring";
  MNEMO_RETURN_IF_ERROR(f.String("context_match", &mode));
  if (mode != "substring" && mode != "whole_word")
    return f.Error("context_match", "must be \"substring\" or \"whole_word\"");
  e->context_whole_word = mode == "whole_word";
  MNEMO_RETURN_IF_ERROR(f.Strings("allow_list", &e->allow_list));
  MNEMO_RETURN_IF_ERROR(f.Strings("deny_list", &e->deny_list));
  for (const auto& w : e->deny_list)
    if (w.empty()) return f.Error("deny_list", "must not contain empty strings");
  MNEMO_RETURN_IF_ERROR(f.Number("deny_score", &e->deny_score, 0, 1));
  e->thresholds = cat.thresholds;
  MNEMO_RETURN_IF_ERROR(f.Likelihoods("likelihood", &e->thresholds));
  MNEMO_RETURN_IF_ERROR(f.Bool("enabled", &e->enabled));
  if (f.Has("patterns") && !f.obj()["patterns"].is_array())
    return f.Error("patterns", "must be a list of pattern objects");
  if (f.Has("patterns")) {
    const json& pats = f.obj()["patterns"];
    for (size_t i = 0; i < pats.size(); ++i) {
      std::string path = f.path() + ".patterns[" + std::to_string(i) + "]";
      if (!pats[i].is_object())
        return Status::InvalidArgument(f.origin() + ": field '" + path + "' must be an object");
      PatternDef p;
      MNEMO_RETURN_IF_ERROR(ParsePattern(Fields(pats[i], f.origin(), path), &p));
      if (p.name.empty()) p.name = e->name + "_" + std::to_string(i);
      e->patterns.push_back(std::move(p));
    }
  }
  if (e->patterns.empty() && e->deny_list.empty())
    return f.Error("patterns", "is missing: an entity needs patterns or a deny_list");
  return Status::Ok();
}

void AddTlds(const std::string& list, std::unordered_set<std::string>* out) {
  std::istringstream in(list);
  std::string t;
  while (in >> t) out->insert(Lower(t));
}

// "line L, column C" for a byte offset into `text`.
std::string LineColumn(const std::string& text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

}  // namespace

const char* LikelihoodName(Likelihood l) {
  int i = static_cast<int>(l) - 1;
  return (i >= 0 && i < 5) ? kLikelihoodNames[i] : "LIKELIHOOD_UNSPECIFIED";
}

Result<Likelihood> ParseLikelihood(const std::string& name) {
  std::string up = name;
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (int i = 0; i < 5; ++i)
    if (up == kLikelihoodNames[i]) return static_cast<Likelihood>(i + 1);
  return Status::InvalidArgument("unknown likelihood '" + name +
                                 "' (VERY_UNLIKELY, UNLIKELY, POSSIBLE, LIKELY, VERY_LIKELY)");
}

Likelihood ScoreToLikelihood(double score, const Thresholds& t) {
  // A small epsilon so 0.3 + 0.35 style sums land where the decimal numbers say.
  constexpr double kEps = 1e-9;
  if (score + kEps >= t[3]) return Likelihood::kVeryLikely;
  if (score + kEps >= t[2]) return Likelihood::kLikely;
  if (score + kEps >= t[1]) return Likelihood::kPossible;
  if (score + kEps >= t[0]) return Likelihood::kUnlikely;
  return Likelihood::kVeryUnlikely;
}

Result<Catalogue> Catalogue::Default() {
  return Parse(DefaultCatalogueJson(), "audits/pii/entities.json (built in)");
}

Result<Catalogue> Catalogue::Parse(const std::string& json_text, const std::string& origin,
                                   const Catalogue* base) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (doc.is_discarded()) {
    // Re-parse with exceptions only to learn where it broke.
    try {
      json ignored = json::parse(json_text, nullptr, true, true);
      (void)ignored;
    } catch (const json::parse_error& e) {
      return Status::InvalidArgument(origin + ": not valid JSON at " +
                                     LineColumn(json_text, e.byte > 0 ? e.byte - 1 : 0) + ": " +
                                     e.what());
    }
    return Status::InvalidArgument(origin + ": not valid JSON");
  }
  if (!doc.is_object()) return Status::InvalidArgument(origin + ": must be a JSON object");
  Catalogue cat;
  if (base != nullptr) {
    cat.context_boost = base->context_boost;
    cat.context_min_score = base->context_min_score;
    cat.thresholds = base->thresholds;
  }
  Fields top(doc, origin, "");
  MNEMO_RETURN_IF_ERROR(
      top.CheckKeys({"version", "description", "likelihood", "context", "lists", "entities"}));
  MNEMO_RETURN_IF_ERROR(top.Likelihoods("likelihood", &cat.thresholds));
  if (top.Has("context")) {
    if (!doc["context"].is_object()) return top.Error("context", "must be an object");
    Fields c(doc["context"], origin, "context");
    MNEMO_RETURN_IF_ERROR(c.CheckKeys({"boost", "min_score"}));
    MNEMO_RETURN_IF_ERROR(c.Number("boost", &cat.context_boost, 0, 1));
    MNEMO_RETURN_IF_ERROR(c.Number("min_score", &cat.context_min_score, 0, 1));
  }
  if (top.Has("lists")) {
    if (!doc["lists"].is_object()) return top.Error("lists", "must be an object");
    Fields l(doc["lists"], origin, "lists");
    MNEMO_RETURN_IF_ERROR(l.CheckKeys({"tlds"}));
    std::string tlds;
    MNEMO_RETURN_IF_ERROR(l.String("tlds", &tlds));
    AddTlds(tlds, &cat.tlds);
  }
  if (!top.Has("entities") || !doc["entities"].is_array())
    return top.Error("entities", "must be a list of entity objects");
  const json& ents = doc["entities"];
  for (size_t i = 0; i < ents.size(); ++i) {
    std::string path = "entities[" + std::to_string(i) + "]";
    if (!ents[i].is_object())
      return Status::InvalidArgument(origin + ": field '" + path + "' must be an object");
    EntityDef e;
    e.origin = origin;
    MNEMO_RETURN_IF_ERROR(ParseEntity(Fields(ents[i], origin, path), cat, &e));
    for (const auto& other : cat.entities)
      if (other.name == e.name)
        return Status::InvalidArgument(origin + ": field '" + path + ".name' repeats entity '" +
                                       e.name + "'");
    cat.entities.push_back(std::move(e));
  }
  return cat;
}

Result<Catalogue> Catalogue::LoadFile(const std::string& path, const Catalogue* base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open entity file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path, base);
}

void Catalogue::Merge(const Catalogue& other) {
  for (const auto& e : other.entities) {
    auto it = std::find_if(entities.begin(), entities.end(),
                           [&](const EntityDef& x) { return x.name == e.name; });
    if (it != entities.end()) {
      *it = e;
    } else {
      entities.push_back(e);
    }
  }
  tlds.insert(other.tlds.begin(), other.tlds.end());
}

const EntityDef* Catalogue::Find(const std::string& name) const {
  for (const auto& e : entities)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace mnemo::pii
