// The PII extension point of the memorisation audit (issue 4, item 6).
//
// The Gemma reports check memorised outputs for personal information. mnemo splits this in
// two: the memorisation audit stores every probe's continuation in mem_probes; a model-free
// `pii` job of a run config (audits/pii, run after every model's jobs) reads the memorised
// continuations through this function, scans their text and writes pii_findings rows with
// origin "mem_probes" and doc = "<job id>:<probe id>". Nothing here scans or fakes findings.
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

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_PII_HOOK_H_
