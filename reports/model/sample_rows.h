// One row of the per-sample table: what the model was asked, the target, what it answered
// (the filtered generation, the chosen option, or the log-likelihood) and the per-sample
// metric values, read from a sample's lm-eval-style record.
#ifndef MNEMO_REPORTS_MODEL_SAMPLE_ROWS_H_
#define MNEMO_REPORTS_MODEL_SAMPLE_ROWS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "harness/store/run_store.h"

namespace mnemo::reports {

struct SampleRow {
  std::string label;  // model label
  std::string task;
  std::string doc_id;
  int64_t doc_index = 0;
  std::string filter;
  std::string prompt;  // the context, shortened to its last kMaxPromptChars characters
  std::string target;
  std::string response;
  std::string error;                                    // a failed request
  std::vector<std::pair<std::string, double>> metrics;  // scalar metrics (weighted: the ll)
};

inline constexpr size_t kMaxPromptChars = 600;

SampleRow SummarizeSample(const SampleRecord& sample, const std::string& label,
                          const std::string& task);

// Shortens `s` to at most `max` bytes at a UTF-8 boundary; keep_tail keeps the end instead of
// the start. Adds "…" where text was cut.
std::string ShortenUtf8(const std::string& s, size_t max, bool keep_tail);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_MODEL_SAMPLE_ROWS_H_
