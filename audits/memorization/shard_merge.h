// The memorisation audit's part in `mnemo merge` (harness/jobs/shard_merge.h; docs/memorisation.md,
// "Shards"): shard i of N of a memorisation job holds the probe rows of its slice
// [i*P/N, (i+1)*P/N) of the job's P probes (audit.h, "Shards"); the merged job holds every
// shard's rows in shard order, which is the single-process order, and its summary metrics
// recomputed from them by the code a single-process run uses (Summarize, SummaryMetrics), so
// rows and metrics equal the single-process ones bit for bit. Request counts are summed.
//
// Ownership: borrows the stores. Thread-safety: one thread, like the stores.
#ifndef MNEMO_AUDITS_MEMORIZATION_SHARD_MERGE_H_
#define MNEMO_AUDITS_MEMORIZATION_SHARD_MERGE_H_

#include <vector>

#include "harness/core/status.h"
#include "harness/jobs/shard_merge.h"

namespace mnemo {
namespace memorization {

// Refuses, with InvalidArgument naming the shard store and job, before anything is written: a
// shard whose plan lacks {"probes", "begin", "end"}, shards that disagree on P, a slice that is
// not SliceOf(i/N, P) (so the slices do not tile [0, P) in order), and a shard whose stored
// probe rows are not exactly its slice's count (a failed probe leaves no row).
Status CheckMemorizationShards(const std::vector<ShardJobPart>& parts);

// Writes the merged job (in.merged, already begun): every shard's probe rows in shard order,
// the metrics of Summarize over them with the job's group_by, and FinishJob("finished") with
// the shards' request and cache-hit counts summed; rows, metrics and FinishJob in one
// transaction. Runs CheckMemorizationShards first.
Status MergeMemorizationJob(const JobMergeInput& in, JobMergeOutput* out);

// {"memorization", CheckMemorizationShards, MergeMemorizationJob}, for the kinds table
// (harness/app/job_kinds.cc).
JobMergeKind MemorizationMergeKind();

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_SHARD_MERGE_H_
