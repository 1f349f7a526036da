// Catalogue compile: the first stage of a Scanner (engine.h). It selects the entities a scan
// looks for and compiles each of their patterns, and each deny list, into one RE2 (Latin-1, the
// pattern's case sensitivity, the per-pattern memory budget), with what extraction needs beside
// it: the score, the reported group, the look-around byte classes, the validator, and from the
// pattern's shape (regex_shape.h) its minimum length and, for a fixed-length pattern, the class
// sequence Shift-And matches it by.
//
// Contract. Input: a loaded Catalogue and the ScanOptions (entities, allow_list,
// pattern_max_mem). Output: a CompiledCatalogue, the patterns in catalogue order (an entity's
// patterns, then its deny list), and beside it each pattern's source and shape for the stages
// compiled after it (the prefilter plan, the RE2::Set). Unknown entity names, no entity
// selected and RE2 compile errors are errors naming the file, entity and pattern. The
// CompiledCatalogue owns copies of the selected EntityDefs; each pattern's look-around classes
// point into them (or at a static empty class), so it is never copied, only built in place.
//
// Thread-safety: built once by one thread; immutable and shared by every scan thread after.
#ifndef MNEMO_AUDITS_PII_COMPILED_CATALOGUE_H_
#define MNEMO_AUDITS_PII_COMPILED_CATALOGUE_H_

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "audits/pii/catalogue.h"
#include "audits/pii/regex_shape.h"
#include "audits/pii/scan_types.h"
#include "audits/pii/validators.h"
#include "harness/core/status.h"

namespace re2 {
class RE2;
}

namespace mnemo::pii {

struct CompiledPattern {
  CompiledPattern();
  ~CompiledPattern();
  int entity = 0;
  int pattern = 0;  // -1: the entity's deny list
  std::unique_ptr<re2::RE2> re;
  double score = 0.0;
  int group = 0;
  const std::bitset<256>* before = nullptr;
  const std::bitset<256>* after = nullptr;
  ValidatorFn validator = nullptr;
  size_t min_length = 0;  // no match is shorter (0: unknown)
  std::string where;      // "<file>: entity X pattern 'y'", for errors
  // A fixed-length pattern reporting its whole match (regex_shape.h's sequence): Shift-And
  // finds the candidates, RE2 confirms them unless the sequence is exact (extraction.h).
  // seq_length 0: RE2 alone. Bit j of seq_bits[b]: byte b may be at offset j of a match;
  // bit o of seq_words: a word boundary at offset o.
  size_t seq_length = 0;
  bool seq_exact = false;
  uint64_t seq_words = 0;
  std::array<uint64_t, 256> seq_bits{};
};

// A compiled pattern's RE2 source as the Set needs it (a deny list's is built from its words).
struct PatternSource {
  std::string regex;
  bool case_sensitive;
};

struct CompiledCatalogue {
  std::vector<EntityDef> entities;  // the selected entities; Finding::entity indexes them
  std::vector<std::unique_ptr<CompiledPattern>> patterns;
  std::unordered_set<std::string> tlds;                       // for the e-mail and URL validators
  std::unordered_set<std::string> allow;                      // ScanOptions::allow_list
  std::vector<std::unordered_set<std::string>> entity_allow;  // per entity
  double context_boost = 0.35;
  double context_min_score = 0.4;
};

// Fills *out (empty on entry) from `catalogue`; sources and shapes get one entry per pattern.
Status CompileCatalogue(const Catalogue& catalogue, const ScanOptions& options,
                        CompiledCatalogue* out, std::vector<PatternSource>* sources,
                        std::vector<RegexShape>* shapes);

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_COMPILED_CATALOGUE_H_
