// A shard's scan result on disk, so `--shard i/N` runs (separate processes or machines) can be
// merged: the eval index's fingerprint, the corpus files scanned, the matched n-gram ranks,
// per-item evidence and document counts, and the scan statistics. JSON, one object.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_DECONTAM_SHARD_STATE_H_
#define MNEMO_AUDITS_DECONTAM_SHARD_STATE_H_

#include <string>
#include <vector>

#include "audits/decontam/eval_index.h"
#include "audits/decontam/scan.h"
#include "harness/core/status.h"

namespace mnemo {
namespace decontam {

// Parses "i/N" (0 <= i < N).
Status ParseShard(const std::string& spec, size_t* index, size_t* count);

Status WriteShardState(const std::string& path, const EvalIndex& index, const std::string& shard,
                       const ScanResult& result);

// Reads every state, checks each was made against `index` (same fingerprint), and combines
// them: matched sets united, evidence merged in corpus order (first `evidence` kept), counts
// summed. Errors name the state file.
Result<ScanResult> MergeShardStates(const std::vector<std::string>& paths, const EvalIndex& index,
                                    size_t evidence);

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_SHARD_STATE_H_
