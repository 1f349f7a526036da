// Multiple-choice tasks with lm-eval semantics: one SCORE request per choice,
// (context, target_delimiter + choice) encoded by EncodePair; acc = argmax of summed
// log-likelihoods, acc_norm = argmax of log-likelihood per code point of the choice text
// (the delimiter not counted), first maximum on ties (np.argmax).
#ifndef MNEMO_TASKS_MULTIPLE_CHOICE_H_
#define MNEMO_TASKS_MULTIPLE_CHOICE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/request.h"
#include "harness/plugins/backend_client.h"
#include "harness/store/run_store.h"
#include "tasks/template.h"

namespace mnemo {

struct McTaskSpec {
  std::string name;
  std::string dataset;  // JSONL file
  std::string text_template = "{{passage}}\nQuestion: {{question}}\nAnswer:";
  std::string choices_field = "choices";
  std::string answer_field = "answer";  // integer index into the choices
  std::string id_field = "id";
  std::string target_delimiter = " ";
  size_t limit = 0;  // 0 = all documents

  // Reads a job config object; `where` prefixes errors (e.g. "nightly.json: jobs[0]").
  static Result<McTaskSpec> FromJson(const nlohmann::json& j, const std::string& base_dir,
                                     const std::string& where);
  nlohmann::json ToJson() const;
};

struct McDoc {
  std::string id;
  int64_t index = 0;
  std::string context;
  std::vector<std::string> choices;
  int gold = -1;
};

// Loads documents; a malformed line or a missing field is an error naming file, line, field.
Result<std::vector<McDoc>> LoadMcDocs(const McTaskSpec& spec);

// Requests for all choices of all documents, document by document; (*first)[d] is the index
// of document d's first request.
Result<std::vector<Request>> BuildMcRequests(const Model& model, const McTaskSpec& spec,
                                             const std::vector<McDoc>& docs,
                                             std::vector<size_t>* first);

struct McOutcome {
  std::vector<SampleRecord> samples;
  std::vector<MetricRecord> metrics;
  size_t n_scored = 0;  // documents with every choice scored
  size_t n_failed = 0;  // documents with a failed request (kept as samples with the error)
};

McOutcome ScoreMc(const McTaskSpec& spec, const std::vector<McDoc>& docs,
                  const std::vector<Request>& requests, const std::vector<size_t>& first,
                  const std::vector<Response>& responses);

// Unicode code points in UTF-8 text (Python's len(str)).
size_t CodePointLength(const std::string& s);

}  // namespace mnemo

#endif  // MNEMO_TASKS_MULTIPLE_CHOICE_H_
