// Fills a run store with one synthetic run: two models ("base", "candidate") through five
// task jobs shaped like the real ones (two multiple-choice tasks with acc/acc_norm, a
// loglikelihood-style task, a generation task with two filters, a rolling perplexity task),
// `n_samples` samples in all, deterministic. The candidate is worse on the first task, so a
// comparison finds a regression.
#ifndef MNEMO_REPORTS_BENCH_SYNTHETIC_STORE_H_
#define MNEMO_REPORTS_BENCH_SYNTHETIC_STORE_H_

#include <cstdint>
#include <string>

#include "harness/core/status.h"
#include "harness/store/run_store.h"

namespace mnemo::reports {

// Returns the run id.
Result<int64_t> WriteSyntheticRun(RunStore* store, int64_t n_samples, uint64_t seed = 7);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_BENCH_SYNTHETIC_STORE_H_
