// The PII extension point of the memorisation audit: the one reader of its table mem_probes
// for other engines.
//
// The Gemma reports check memorised outputs for personal information. mnemo splits this in
// two: the memorisation audit stores every probe's continuation in mem_probes; the PII scan
// (audits/pii/scan.h ScanMemorized: `mnemo audit pii --memorized` and a run config's `pii`
// job, run after every model's jobs) reads the memorised continuations through these
// functions, scans their text and writes pii_findings rows with origin "mem_probes" and
// doc = the probe id. Nothing here scans or fakes findings.
//
// Thread-safety: the store's rule.
#ifndef MNEMO_AUDITS_MEMORIZATION_PII_HOOK_H_
#define MNEMO_AUDITS_MEMORIZATION_PII_HOOK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/status.h"

struct sqlite3;

namespace mnemo {
namespace memorization {

struct MemorizedContinuation {
  int64_t job_id = 0;
  std::string probe_id;
  std::string source;
  std::string group_json;
  std::string output_text;  // the model's continuation: what the scanner should read
  std::string suffix_text;  // the true training suffix
  bool exact = false;
  bool approx = false;
  bool trivial = false;
};

enum class MemorizedSelect { kExact, kApprox, kAll };

// The continuations of `job_id`'s probes (job_id 0: every memorization job of `run_id`, or of
// the whole store when run_id is 0 too) that are exactly memorised, approximately memorised
// (exact included) or all, in job and probe order.
Result<std::vector<MemorizedContinuation>> ListMemorizedContinuations(
    sqlite3* db, int64_t run_id, int64_t job_id, MemorizedSelect which = MemorizedSelect::kApprox);

// The newest run with memorisation probes; NotFound when the store has none.
Result<int64_t> LatestRunWithProbes(sqlite3* db);

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_PII_HOOK_H_
