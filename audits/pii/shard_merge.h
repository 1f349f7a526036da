// The PII scan's part in `mnemo merge` (harness/jobs/shard_merge.h; docs/pii.md, "Shards"):
// each "pii" job of a shard run holds the findings of its shard's pieces of the files (or, for
// a scan of memorised outputs, of its shard's probes); the merged job holds what a single
// process writes, row for row.
//
// Files: shards hold consecutive byte ranges of the corpus in shard order, so their findings,
// concatenated in shard-index order, are in single-process order. A finding whose doc is a line
// number counted in a piece that does not start its file (pii_findings.piece >= 0) gets its file
// line back from every shard's piece line counts (FileLineBase over the job_shards plans).
// Memorised outputs: findings follow the merged run's memorised continuations (job, then probe
// order, what ScanMemorized reads), so the memorisation jobs must be merged first (they are:
// the scan runs after every model job); probe_job is mapped through JobMergeInput::merged_ids.
// Metrics: per entity, in the shards' order (the scanner's entity order), the sums of the
// shards' integer counts (exact in a double), checked against the merged findings.
//
// Ownership: borrows the stores. Thread-safety: one thread, like the stores.
#ifndef MNEMO_AUDITS_PII_SHARD_MERGE_H_
#define MNEMO_AUDITS_PII_SHARD_MERGE_H_

#include <vector>

#include "harness/core/status.h"
#include "harness/jobs/shard_merge.h"

namespace mnemo::pii {

// Refuses, naming the store: a shard whose job did not finish, a plan without its pieces' line
// counts, shards whose plans disagree on what was scanned (files or memorised outputs), or
// whose metrics list different entities.
Status CheckPiiShardJobs(const std::vector<ShardJobPart>& parts);
// Writes the merged findings, metrics and FinishJob in one transaction.
Status MergePiiShardJob(const JobMergeInput& in, JobMergeOutput* out);
// {"pii", CheckPiiShardJobs, MergePiiShardJob}, for harness/app/job_kinds.cc.
JobMergeKind PiiMergeKind();

}  // namespace mnemo::pii

#endif  // MNEMO_AUDITS_PII_SHARD_MERGE_H_
