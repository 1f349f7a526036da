// Writes the eval index's kept n-grams as janitor-normalised text, one per line (each once):
// the same n-grams as fixed strings for `grep -F -f` (the decontamination benchmark's
// baseline) and for inspection. Word units only.
#ifndef MNEMO_AUDITS_DECONTAM_NGRAM_DUMP_H_
#define MNEMO_AUDITS_DECONTAM_NGRAM_DUMP_H_

#include <string>
#include <vector>

#include "audits/decontam/eval_index.h"
#include "audits/decontam/eval_items.h"
#include "harness/core/status.h"

namespace mnemo {
namespace decontam {

Status DumpNgrams(const std::vector<EvalItem>& items, const EvalIndex& index,
                  const std::string& path);

}  // namespace decontam
}  // namespace mnemo

#endif  // MNEMO_AUDITS_DECONTAM_NGRAM_DUMP_H_
