// Corpus TER as lm-eval's `ter` aggregation computes it: sacrebleu.corpus_ter(preds, refs) with
// sacrebleu's defaults (case-insensitive, no normalisation, punctuation kept), a port of
// sacrebleu/metrics/ter.py, sacrebleu/metrics/lib_ter.py and
// sacrebleu/tokenizers/tokenizer_ter.py (mjpost/sacrebleu
// f615c72): Tercom's greedy block shifts (at most 10 words, 50 positions, 1000 candidates per
// sentence) and its beam edit distance (width 25 around the length-scaled diagonal).
// lib_ter's row cache is left out: every row it would reuse is the row recomputed here.
#ifndef MNEMO_TASKS_METRICS_TER_H_
#define MNEMO_TASKS_METRICS_TER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "tasks/metrics/corpus.h"

namespace mnemo {

struct TerOptions {
  bool case_sensitive = false;
};

struct TerScore {
  double score = 0;  // 100 * edits / reference words
  double num_edits = 0;
  double ref_length = 0;
};

// lib_ter.translation_edit_rate: (edits including shifts, reference length).
std::pair<int64_t, int64_t> TranslationEditRate(const std::vector<std::string>& hyp,
                                                const std::vector<std::string>& ref);

// sacrebleu.corpus_ter(hyps, ref_streams). Error when a stream's length differs from the
// hypotheses'.
Result<TerScore> CorpusTer(const std::vector<std::string>& hyps,
                           const std::vector<std::vector<std::string>>& ref_streams,
                           const TerOptions& opt = {});

// lm-eval's ter aggregation over (refs, pred) items. Error on no items or no references.
Result<double> TerAggregation(const std::vector<TranslationItem>& items);

}  // namespace mnemo

#endif  // MNEMO_TASKS_METRICS_TER_H_
