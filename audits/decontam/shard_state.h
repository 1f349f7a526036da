// A shard's scan result, so `--shard i/N` runs (separate processes or machines) can be merged:
// the eval index's fingerprint, the shard spec, the corpus pieces scanned with each one's line
// count, the matched n-gram ranks, per-item evidence and document counts, and the scan
// statistics. JSON, one object: a `--state` file, or the plan of a decontam job's job_shards
// row (shard_merge.h). One owner for both: this file writes and merges the state.
//
// Merging restores file lines: evidence found in a piece that does not start its file carries
// piece lines (scan.h Evidence::piece_line), turned into file lines by adding the line counts
// of the file's earlier pieces (FileLineBase), and so are fallback ids "<stem>:<line>".
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_DECONTAM_SHARD_STATE_H_
#define MNEMO_AUDITS_DECONTAM_SHARD_STATE_H_

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "audits/decontam/eval_index.h"
#include "audits/decontam/scan.h"
#include "harness/core/status.h"

namespace mnemo {
namespace decontam {

// Parses "i/N" (0 <= i < N).
Status ParseShard(const std::string& spec, size_t* index, size_t* count);

// The state of shard `shard` ("i/N"). `only_items` non-null: only these items' evidence and
// counts and the n-gram ranks they hold (one task's part, for its job's plan); the rest is the
// whole shard's (pieces, statistics).
nlohmann::json ShardStateJson(const EvalIndex& index, const std::string& shard,
                              const ScanResult& result,
                              const std::vector<size_t>* only_items = nullptr);

Status WriteShardState(const std::string& path, const EvalIndex& index, const std::string& shard,
                       const ScanResult& result);

// Combines shard states (`states`: where each came from, for errors, and the state): checks
// each was made against `index` (same fingerprint) and that they are shards 0..N-1 of one N,
// each once; unites the matched sets, restores file lines, keeps the first `evidence` entries
// per item in corpus order (file, line), sums the counts. Errors name the state.
Result<ScanResult> MergeShardStateJsons(
    const std::vector<std::pair<std::string, nlohmann::json>>& states, const EvalIndex& index,
    size_t evidence);

// MergeShardStateJsons over state files.
Result<ScanResult> MergeShardStates(const std::vector<std::string>& paths, const EvalIndex& index,
                                    size_t evidence);

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_SHARD_STATE_H_
