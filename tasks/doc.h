// The type of a task document and of the Jinja evaluator's values.
//
// Python dicts keep insertion order and lm-eval's Jinja templates observe it (DROP's
// doc_to_target `{{ answer|join(',') }}` joins the keys of a mapping in the data file's order),
// so documents keep their keys in the order the data file gives them (JSON: as written; CSV: the
// header's; Parquet: the schema's) instead of nlohmann::json's sorted order. Lookups are linear
// in the number of keys, which is fine for documents; corpora read one field and do not use it.
// Anything hashed or stored (fingerprints, cache keys, results JSON) converts to nlohmann::json
// first, so its bytes stay sorted as before.
#ifndef MNEMO_TASKS_DOC_H_
#define MNEMO_TASKS_DOC_H_

#include <nlohmann/json.hpp>

namespace mnemo {

using Doc = nlohmann::ordered_json;

}  // namespace mnemo

#endif  // MNEMO_TASKS_DOC_H_
