// Corpus BLEU as lm-eval's `bleu` aggregation computes it: sacrebleu.corpus_bleu(preds, refs)
// with sacrebleu's defaults (13a tokenizer, exp smoothing, n-gram order 4, case-sensitive), a
// port of sacrebleu/metrics/bleu.py and tokenizers/tokenizer_13a.py (mjpost/sacrebleu f615c72).
// Hypotheses and references are UTF-8; whitespace is Python's str.split().
#ifndef MNEMO_TASKS_METRICS_BLEU_H_
#define MNEMO_TASKS_METRICS_BLEU_H_

#include <string>
#include <string_view>
#include <vector>

#include "harness/core/status.h"
#include "tasks/metrics/corpus.h"

namespace mnemo {

struct BleuOptions {
  enum class Smooth { kNone, kFloor, kAddK, kExp };
  enum class Tokenizer { k13a, kNone };
  Smooth smooth = Smooth::kExp;
  double smooth_value = -1;  // < 0: sacrebleu's default for the method (floor 0.1, add-k 1)
  Tokenizer tokenizer = Tokenizer::k13a;
  int max_ngram_order = 4;
  bool effective_order = false;
  bool lowercase = false;
};

struct BleuScore {
  double score = 0;  // 0..100
  std::vector<double> counts, totals, precisions;
  double bp = 1;
  int64_t sys_len = 0, ref_len = 0;
};

// sacrebleu's 13a tokenizer (mteval-v13a), applied to one line.
std::string Tokenize13a(std::string_view line);

// BLEU.compute_bleu: the score from corpus sufficient statistics.
BleuScore ComputeBleu(std::vector<double> correct, std::vector<double> total, int64_t sys_len,
                      int64_t ref_len, const BleuOptions& opt);

// sacrebleu.corpus_bleu(hyps, ref_streams): ref_streams[k][i] is the k-th reference of hyps[i].
// Error when a stream's length differs from the hypotheses'.
Result<BleuScore> CorpusBleu(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams,
                             const BleuOptions& opt = {});

// lm-eval's bleu aggregation over (refs, pred) items. Error on no items or no references.
Result<double> BleuAggregation(const std::vector<TranslationItem>& items);

}  // namespace mnemo

#endif  // MNEMO_TASKS_METRICS_BLEU_H_
