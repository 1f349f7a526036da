// Merging the "decontam" jobs of shard stores (`mnemo run --shard i/N`, then `mnemo merge`;
// harness/jobs/shard_merge.h is the run-level part). Each task's jobs row of a shard carries, in
// its job_shards plan, the audit's parameters and the task's part of the shard's scan state
// (shard_state.h); the merge rebuilds the eval index from the parameters, combines the states
// (MergeShardStateJsons: file lines restored, evidence in corpus order) and writes what one
// process writes for the task: the jobs row's config, decontam_items rows and metrics, through
// the same code as RunAudit (audit.h). When the job rescores ("rescore": true), the merge of its
// last task rescores the merged run's task jobs (already merged into it) and lists the
// "decontam_rescore" jobs it wrote as derived jobs; shards never hold such jobs, so the kind
// "decontam_rescore" merges nothing (merge = null).
//
// Cost grows with the eval items and the shards' evidence, not with corpus bytes. Token units
// must come from a SentencePiece file the merge can open (a `--model` tokenizer cannot be
// rebuilt: refused).
//
// Thread-safety: one thread, like the stores.
#ifndef MNEMO_AUDITS_DECONTAM_SHARD_MERGE_H_
#define MNEMO_AUDITS_DECONTAM_SHARD_MERGE_H_

#include <vector>

#include "harness/core/status.h"
#include "harness/jobs/shard_merge.h"

namespace mnemo::decontam {

// Refuses parts whose plans lack the audit parameters or the scan state, or that name other
// tasks, before anything is written.
Status CheckDecontamShards(const std::vector<ShardJobPart>& parts);

// Writes the merged task's rows into in.merged (begun) and finishes it; see above.
Status MergeDecontamShards(const JobMergeInput& in, JobMergeOutput* out);

// {"decontam", CheckDecontamShards, MergeDecontamShards}.
JobMergeKind DecontamMergeKind();
// {"decontam_rescore", null, null}: written by the decontam merge, skipped in shards.
JobMergeKind DecontamRescoreMergeKind();

}  // namespace mnemo::decontam

#endif  // MNEMO_AUDITS_DECONTAM_SHARD_MERGE_H_
