// Corpus chrF as lm-eval's `chrf` aggregation computes it: sacrebleu.corpus_chrf(preds, refs)
// with sacrebleu's defaults (character order 6, word order 0, beta 2, whitespace removed, no
// epsilon smoothing), a port of sacrebleu/metrics/chrf.py (mjpost/sacrebleu f615c72).
// Character n-grams are over code points; whitespace is Python's str.split().
#ifndef MNEMO_TASKS_METRICS_CHRF_H_
#define MNEMO_TASKS_METRICS_CHRF_H_

#include <string>
#include <vector>

#include "harness/core/status.h"
#include "tasks/metrics/corpus.h"

namespace mnemo {

struct ChrfOptions {
  int char_order = 6;
  int word_order = 0;  // 2 is chrF++
  int beta = 2;
  bool lowercase = false;
  bool whitespace = false;  // keep whitespace in character n-grams
  bool eps_smoothing = false;
};

// sacrebleu.corpus_chrf(hyps, ref_streams): the score in 0..100. Error when a stream's length
// differs from the hypotheses'.
Result<double> CorpusChrf(const std::vector<std::string>& hyps,
                          const std::vector<std::vector<std::string>>& ref_streams,
                          const ChrfOptions& opt = {});

// lm-eval's chrf aggregation over (refs, pred) items. Error on no items or no references.
Result<double> ChrfAggregation(const std::vector<TranslationItem>& items);

}  // namespace mnemo

#endif  // MNEMO_TASKS_METRICS_CHRF_H_
