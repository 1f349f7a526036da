// Job kinds of `mnemo run` configs ("tasks", "memorization", "pii", "decontam").
//
// Each kind parses its JSON object when the config loads, so a bad field fails before any
// model is loaded, with the config file and the field's path in the message. A parsed job
// then runs once per model (needs_model()) or once per run, after every model's jobs, so a
// model-free job (a PII scan of memorised outputs) can read what the model jobs stored.
//
// Thread-safety: jobs run one at a time on the run's thread.
#ifndef MNEMO_HARNESS_APP_RUN_JOB_H_
#define MNEMO_HARNESS_APP_RUN_JOB_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/app/common.h"
#include "harness/core/status.h"
#include "harness/store/run_store.h"

namespace mnemo {
namespace memorization {
class CorpusTokenCache;
}

struct RunContext {
  RunStore* store = nullptr;
  int64_t run_id = 0;
  bool quiet = false;          // no progress display
  ModelOptions model_options;  // as given on the command line and in the config
  // Tokenised training corpora shared by the run's memorisation jobs (may be null).
  memorization::CorpusTokenCache* token_cache = nullptr;
};

// One line of the table `mnemo run` prints at the end.
struct SummaryLine {
  std::string model;  // "" for model-free jobs
  std::string job;    // task or group name, "memorization", ...
  std::string metric;
  std::string filter = "none";
  double value = 0.0;
  std::optional<double> stderr_value;
  int64_t n = 0;
};

struct JobOutcome {
  std::vector<SummaryLine> lines;
  size_t reused = 0;    // requests answered by the run store's cache
  size_t computed = 0;  // requests sent to a backend
};

class RunJob {
 public:
  virtual ~RunJob() = default;
  virtual bool needs_model() const = 0;
  // needs_model() jobs: called once per model of the config, in order. `model_name` is the
  // config's display name. Whatever finished is in the store when this returns, error or not.
  virtual Status RunForModel(const RunContext& ctx, OpenedModel* model, const ModelRecord& record,
                             const std::string& model_name, JobOutcome* out);
  // Model-free jobs: called once, after every model's jobs.
  virtual Status RunOnce(const RunContext& ctx, JobOutcome* out);
};

struct JobParseContext {
  std::string config_path;
  std::string field;  // "jobs[2]"
  // Resolves a path in the config relative to the config's folder.
  std::function<std::string(const std::string&)> resolve;

  // "<config>: field 'jobs[2].<key>' <what>" as an InvalidArgument status.
  Status Error(const std::string& key, const std::string& what) const;
  // Fails on the first key of `job` not in `known`.
  Status CheckKeys(const nlohmann::json& job, std::initializer_list<const char*> known,
                   const std::string& kind) const;
};

using JobParser = Result<std::unique_ptr<RunJob>> (*)(const nlohmann::json& job,
                                                      const JobParseContext& ctx);
struct JobKind {
  const char* name;
  JobParser parse;
};

// All job kinds, in the order error messages list them.
const JobKind* JobKinds(int* n);

// One parser per kind, each in its own job_<kind>.cc.
Result<std::unique_ptr<RunJob>> ParseTasksJob(const nlohmann::json& job,
                                              const JobParseContext& ctx);
Result<std::unique_ptr<RunJob>> ParseMemorizationJob(const nlohmann::json& job,
                                                     const JobParseContext& ctx);
Result<std::unique_ptr<RunJob>> ParsePiiJob(const nlohmann::json& job, const JobParseContext& ctx);
Result<std::unique_ptr<RunJob>> ParseDecontamJob(const nlohmann::json& job,
                                                 const JobParseContext& ctx);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_APP_RUN_JOB_H_
