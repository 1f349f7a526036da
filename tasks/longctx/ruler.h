// RULER-style synthetic long-context tasks (Hsieh et al. 2024, "RULER: What's the Real Context
// Size of Your Long-Context Language Models?"; code NVIDIA/RULER at c3f5e3b4, scripts/data/
// synthetic/{niah,variable_tracking,common_words_extraction,freq_words_extraction,qa}.py, the
// prompt templates in RULER/scripts/data/synthetic/constants.py, the task presets in
// RULER/scripts/synthetic.yaml). An independent implementation: the templates, needle formats, word
// counts and fill rule are RULER's; the differences are listed below.
//
// A sample is a function of (task, sources, length, depth, seed, index): the same arguments give
// a byte-identical sample. Randomness is CPython's random.Random (tasks/python/pyrandom.h, an
// exact MT19937 port: RULER draws with Python's random too), seeded per sample with the integer
// seed + (index << 64), and re-seeded for every candidate haystack size so the search below
// changes only the haystack size.
//
// Length. RULER counts the prompt (input + answer_prefix) in the model's tokens plus the
// tokens_to_generate budget and keeps the total at or under the target length. Here too: the
// caller's TokenCounter counts a string as the model will see it (add BOS if the backend adds
// one), and the generator searches the largest haystack size n (words, lines, list entries or
// documents, per family) with count(input + answer_prefix) + tokens_to_generate <= target
// (RULER binary-searches the same way). So a sample is never longer than its target, and is
// shorter by less than one haystack unit when the count grows with n: a word (a few tokens) for
// the corpus haystack, a line for the noise, needle and variable-tracking haystacks (33 tokens
// for the noise line in the tiny-gemma3 fixture's 4K-piece vocabulary, ~70 for a UUID needle
// line), one more list word (3 list entries, ~15 tokens at 4K and up) for common words, a few
// tokens for frequent words, and one distractor document (100 corpus words or a QA context, up
// to ~300 tokens) for QA. tests/tasks/longctx/ruler_test.cc checks these bounds at 1K, 2K and 4K
// with the fixture's tokenizer. A target too small for the smallest haystack is an error, never
// a longer prompt.
//
// Depth (percent, 0..100) places the gold: the needles that answer the query (NIAH), the first
// assignment of the gold chain (variable tracking), the gold document (QA). The haystack is cut
// only between units (sentences of the corpus haystack, lines of the noise and needle
// haystacks, documents), at the boundary whose preceding units' tokens (each unit counted on
// its own) are closest to depth% of the haystack's; "depth_actual" in the sample is that
// fraction. Common and frequent words extraction have no depth (RULER's neither).
//
// Differences from RULER, all deliberate:
//  - RULER scatters needles at random depths; here the gold needles of a sample all sit at the
//    requested depth (consecutively, in random order) and only needles that answer nothing
//    (niah_multikey_1's other keys) and the later hops of a chain are scattered (the hops
//    uniformly between the first hop and the end), so accuracy can be read by depth.
//  - Sentences of the corpus haystack end after a word ending in '.', '!' or '?' (optionally
//    followed by closing quotes or brackets); RULER uses NLTK's punkt.
//  - Word keys are two vocabulary words joined by '-' (RULER: wonderwords adjective-noun);
//    common-words lists draw from the corpus vocabulary (RULER: wonderwords nouns, adjectives
//    and verbs); the QA distractors are the QA set's other contexts, then 100-word passages of
//    the haystack corpus (RULER: other SQuAD/HotpotQA paragraphs, repeating the set when it runs
//    out); the gold document is never repeated.
//  - Frequent words extraction binary-searches its word count like the others (RULER steps by
//    a 32nd of the length and can end up to 3% short).
//  - The variable-tracking in-context example is generated as RULER's (a 500-token noise
//    haystack, 3-letter names) with random names and value directly, not by rewriting a fixed one.
#ifndef MNEMO_TASKS_LONGCTX_RULER_H_
#define MNEMO_TASKS_LONGCTX_RULER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "tasks/longctx/sources.h"

namespace mnemo::longctx {

// Counts the model's tokens in a string. Called many times per sample (each search step counts a
// whole prompt); memoised per unit where units repeat.
using TokenCounter = std::function<size_t(const std::string&)>;

enum class RulerFamily { kNiah, kVariableTracking, kCommonWords, kFrequentWords, kQa };
const char* RulerFamilyName(RulerFamily f);  // niah, variable_tracking, ... (RULER's task names)

// RULER's scoring (RULER/scripts/eval/synthetic/constants.py): string_match_all for all but QA.
enum class RulerMetric { kStringMatchAll, kStringMatchPart };
const char* RulerMetricName(RulerMetric m);  // "string_match_all" / "string_match_part"

enum class HaystackKind {
  kEssay,   // the corpus words, cut into sentences (RULER "essay")
  kNoise,   // "The grass is green. ..." repeated, one per line (RULER "noise")
  kNeedle,  // distractor needles with random keys and values, one per line (RULER "needle")
};
enum class NeedleType { kWords, kNumbers, kUuids };

struct NiahParams {
  HaystackKind haystack = HaystackKind::kEssay;
  NeedleType key_type = NeedleType::kWords;
  NeedleType value_type = NeedleType::kNumbers;
  int num_keys = 1;     // num_needle_k (raised to num_queries, as RULER does)
  int num_values = 1;   // num_needle_v: values per key, one needle each
  int num_queries = 1;  // num_needle_q: keys asked for
};

struct VariableTrackingParams {
  HaystackKind haystack = HaystackKind::kNoise;  // kNoise or kEssay
  int num_chains = 1;
  int num_hops = 4;
  bool in_context_example = true;  // RULER's add_fewshot (on in its main())
};

struct CommonWordsParams {
  int freq_common = 30;   // freq_cw (6 below a 4096-token target, as RULER)
  int freq_uncommon = 3;  // freq_ucw (1 below 4096)
  int num_common = 10;    // num_cw
  int num_fewshot = 1;
};

struct FrequentWordsParams {
  double alpha = 2.0;  // Zipf exponent: word k appears floor(n k^-alpha / zeta(alpha)) times
  int coded_word_len = 6;
  int vocab_size = -1;  // -1: (target - tokens_to_generate) / 50, as RULER
};

struct RulerTask {
  std::string name;  // the preset's name, e.g. niah_multikey_1
  RulerFamily family = RulerFamily::kNiah;
  NiahParams niah;
  VariableTrackingParams vt;
  CommonWordsParams cwe;
  FrequentWordsParams fwe;
  size_t tokens_to_generate = 128;  // RULER's per family: niah 128, vt 30, cwe 120, fwe 50, qa 32
  RulerMetric metric() const;
  bool has_depth() const;  // false for common and frequent words extraction
};

// RULER's 13 presets (RULER/scripts/synthetic.yaml) less qa_2 (HotpotQA): niah_single_{1,2,3},
// niah_multikey_{1,2,3}, niah_multivalue, niah_multiquery, vt, cwe, fwe, qa (qa_1's setup on the
// caller's QA set).
std::vector<std::string> RulerTaskNames();
Result<RulerTask> RulerTaskByName(const std::string& name);

struct RulerSources {
  const HaystackCorpus* corpus = nullptr;  // needed by every family (vocabulary, essay, passages)
  const QaSet* qa = nullptr;               // needed by qa
};

struct RulerRequest {
  size_t length_target = 4096;  // tokens, prompt + tokens_to_generate
  std::optional<double> depth;  // percent 0..100; unset: RULER's random placement
  uint64_t seed = 42;
  uint64_t index = 0;         // sample number within (task, length, depth); also the QA question
  size_t context_length = 0;  // the model's context; 0 = unchecked
};

struct RulerSample {
  std::string task;
  RulerFamily family = RulerFamily::kNiah;
  RulerMetric metric = RulerMetric::kStringMatchAll;
  uint64_t seed = 0;
  uint64_t index = 0;
  size_t length_target = 0;
  size_t length_tokens = 0;  // count(input + answer_prefix)
  size_t tokens_to_generate = 0;
  std::optional<double> depth;         // requested, percent
  std::optional<double> depth_actual;  // where the gold went, percent of the haystack's tokens
  std::string input;                   // the prompt before the answer prefix
  std::string answer_prefix;           // RULER's; the model continues input + answer_prefix
  std::vector<std::string> outputs;    // gold strings
  std::vector<size_t> gold_offsets;    // byte offsets in input of the gold needles/chain/document
  size_t haystack_units = 0;           // the n the search settled on

  // {task, family, metric, seed, index, length_target, length_tokens, tokens_to_generate, depth,
  //  depth_actual, input, outputs, answer_prefix, gold_offsets, haystack_units}: one row of a
  // generate_until task (depth and depth_actual null where absent).
  nlohmann::json ToJson() const;
};

// Generates one sample. Errors (never a truncated or longer prompt): a target above
// request.context_length ("length N exceeds the context M"), a target too small for the
// smallest haystack, a missing source, a vocabulary too small for the length.
Result<RulerSample> GenerateRulerSample(const RulerTask& task, const RulerSources& sources,
                                        const RulerRequest& request, const TokenCounter& count);

// The refusal callers apply before running a prompt: OK when prompt_tokens + tokens_to_generate
// fit in context_length, else an error naming both numbers. Never truncates.
Status CheckPromptFits(size_t prompt_tokens, size_t tokens_to_generate, size_t context_length);

// The Riemann zeta function for s > 1 (Euler-Maclaurin; relative error below 1e-14): RULER's
// scipy.special.zeta for frequent words extraction.
double Zeta(double s);

}  // namespace mnemo::longctx

#endif  // MNEMO_TASKS_LONGCTX_RULER_H_
