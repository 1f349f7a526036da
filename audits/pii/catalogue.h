// The PII entity catalogue: what to look for, as data.
//
// The shipped catalogue is audits/pii/entities.json (compiled in; DefaultCatalogueJson()).
// Users extend it with their own file in the same format (`--entities-file`): an entity with
// a new name is added, one with an existing name replaces the shipped one. The format is
// documented in docs/pii.md ("Catalogue format") and at the top of entities.json; in short:
//
//   {"likelihood": {"UNLIKELY": 0.15, "POSSIBLE": 0.3, "LIKELY": 0.6, "VERY_LIKELY": 0.85},
//    "context": {"boost": 0.35, "min_score": 0.4, "window_before": 5, "window_after": 0},
//    "lists": {"tlds": "com org ..."},
//    "entities": [{"name": "CREDIT_CARD", "info_type": "CREDIT_CARD_NUMBER",
//                  "patterns": [{"name": "card", "regex": "...", "score": 0.3,
//                                "case_sensitive": false, "group": 0,
//                                "not_before": "[0-9]", "not_after": "[0-9]",
//                                "validator": "(entity's unless given; \"none\")"}],
//                  "validator": "credit_card", "validated_score": 1.0,
//                  "context": ["credit", "card"], "window_before": 5, "window_after": 0,
//                  "allow_list": [...], "deny_list": [...], "deny_score": 1.0,
//                  "likelihood": {...}, "enabled": true}]}
//
// Patterns are RE2 syntax matched on bytes (RE2 Latin-1 mode: \w, \d, \b are ASCII; a UTF-8
// literal still matches its own bytes). `not_before`/`not_after` emulate look-behind and
// look-ahead: a one-character RE2 class the byte just before/after the match must not be in.
//
// Thread-safety: a loaded Catalogue is immutable and may be shared.
#ifndef MNEMO_AUDITS_PII_CATALOGUE_H_
#define MNEMO_AUDITS_PII_CATALOGUE_H_

#include <array>
#include <bitset>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"

namespace mnemo::pii {

// Google Sensitive Data Protection's scale (the numbers are its enum values).
enum class Likelihood {
  kVeryUnlikely = 1,
  kUnlikely = 2,
  kPossible = 3,
  kLikely = 4,
  kVeryLikely = 5
};
const char* LikelihoodName(Likelihood l);
// Accepts the SDP names, case-insensitively ("possible", "VERY_LIKELY").
Result<Likelihood> ParseLikelihood(const std::string& name);

// Lower score bounds of UNLIKELY, POSSIBLE, LIKELY, VERY_LIKELY (below the first: VERY_UNLIKELY).
using Thresholds = std::array<double, 4>;
Likelihood ScoreToLikelihood(double score, const Thresholds& t);

struct PatternDef {
  std::string name;
  std::string regex;
  double score = 0.5;
  bool case_sensitive = false;  // Presidio matches case-insensitively by default
  int group = 0;                // the finding is this capture group of the match
  std::string not_before;       // RE2 one-character class, "" = no check
  std::string not_after;
  std::string validator;        // "" = the entity's, "none" = no validator
  std::bitset<256> before_set;  // compiled from not_before / not_after at load
  std::bitset<256> after_set;
};

struct EntityDef {
  std::string name;
  std::string info_type;  // SDP infoType name, for reports
  std::vector<PatternDef> patterns;
  std::string validator;  // "" or a name from validators.h
  nlohmann::json validator_params = nlohmann::json::object();
  double validated_score = 1.0;      // score of a match the validator proves valid
  std::vector<std::string> context;  // lower-case words
  int window_before = 5;             // words before the match searched for context
  int window_after = 0;
  bool context_whole_word = false;  // false: Presidio's substring mode ("card" in "creditcard")
  std::vector<std::string> allow_list;
  std::vector<std::string> deny_list;
  double deny_score = 1.0;
  Thresholds thresholds{0.15, 0.3, 0.6, 0.85};
  bool enabled = true;
  std::string origin;  // the file it was defined in
};

struct Catalogue {
  std::vector<EntityDef> entities;
  std::unordered_set<std::string> tlds;  // lower-case top-level domains (email/URL validators)
  double context_boost = 0.35;
  double context_min_score = 0.4;
  Thresholds thresholds{0.15, 0.3, 0.6, 0.85};

  // The shipped catalogue.
  static Result<Catalogue> Default();
  // Parses catalogue JSON; errors are "<origin>: field 'entities[2].patterns[0].regex' ...".
  // `base` gives defaults (likelihood, context, lists) for a user file extending it.
  static Result<Catalogue> Parse(const std::string& json_text, const std::string& origin,
                                 const Catalogue* base = nullptr);
  static Result<Catalogue> LoadFile(const std::string& path, const Catalogue* base = nullptr);
  // Adds the other catalogue's entities (replacing same-named ones) and its TLDs.
  void Merge(const Catalogue& other);

  const EntityDef* Find(const std::string& name) const;
};

// The text of audits/pii/entities.json, compiled in.
const char* DefaultCatalogueJson();

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_CATALOGUE_H_
