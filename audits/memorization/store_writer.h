// Writing a memorisation job's results to the run store: one mem_probes row per probe
// (schema v2, harness/store/schema.cc) and the job's summary as rows of the generic metrics
// table.
//
// Metrics rows, for every summary group (filter = the group name, see summary.h):
//   exact_rate, approx_rate            value = rate, stderr = sqrt(p(1-p)/n), n = probes
//   exact_ci_low, exact_ci_high,       Wilson 95% bounds of the two rates
//   approx_ci_low, approx_ci_high
//   approx_exact_ratio                 approx / exact (only when exact > 0)
//   exact_rate_nontrivial,             rates over the probes whose continuation is not
//   approx_rate_nontrivial             flagged trivial (n = those probes)
//   pythia_score_mean, char_similarity_mean
// Memorisation rates are stored with higher_is_better = false.
//
// Thread-safety: the store's rule (one thread at a time).
#ifndef MNEMO_AUDITS_MEMORIZATION_STORE_WRITER_H_
#define MNEMO_AUDITS_MEMORIZATION_STORE_WRITER_H_

#include <vector>

#include "audits/memorization/probe.h"
#include "audits/memorization/summary.h"
#include "harness/store/run_store.h"

namespace mnemo {
namespace memorization {

// Replaces the job's mem_probes rows with one per probe, in one transaction. Failed probes
// are not written (their requests are retried on a rerun).
Status WriteProbeRows(RunStore* store, int64_t job_id, const std::vector<Probe>& probes,
                      const std::vector<ProbeOutcome>& outcomes);
// The same rows inside the caller's open Begin() transaction, so they commit together with the
// job's metrics, FinishJob and a shard's completion marker. Precondition: the tables exist
// (EnsureOwnedTables(store, kProbeTables) before Begin()); on error the caller rolls back.
Status PutProbeRows(RunStore* store, int64_t job_id, const std::vector<Probe>& probes,
                    const std::vector<ProbeOutcome>& outcomes);

std::vector<MetricRecord> SummaryMetrics(const std::vector<GroupSummary>& groups);

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_STORE_WRITER_H_
