// One shape for every job kind of a run (tasks, memorization, pii, decontam): a driver lives in
// its engine's folder, `mnemo run` configs and the CLI subcommands both build drivers and hand
// them to the same run loop (harness/app/run_loop.h), and that loop is the only code that
// starts a run (RunSession).
//
// A driver's life: parsed from its config object (JobParseContext names the file and field of
// any error) -> Validate (every job of a run, before any model loads) -> CheckModel (each model
// a model job will use, before the model's first job) -> RunForModel once per model, or RunOnce
// after every model's jobs -> Summarise. The scale-out hooks (Shard, MergeShards) are the seam
// for running a job as shard i/N and merging shard stores; kinds that cannot yet say so.
//
// Thread-safety: a run calls a driver from one thread, one call at a time.
#ifndef MNEMO_HARNESS_JOBS_JOB_DRIVER_H_
#define MNEMO_HARNESS_JOBS_JOB_DRIVER_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <typeindex>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/status.h"
#include "harness/jobs/opened_model.h"
#include "harness/store/run_store.h"

namespace mnemo {

// Shard `index` of `count` (0-based); {0, 1} is the whole job.
struct ShardSpec {
  uint32_t index = 0;
  uint32_t count = 1;
  bool whole() const { return count == 1; }
  std::string ToString() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "i/N" with 0 <= i < N (decimal, nothing else), as `--shard` and run configs' "shard" take
// it; InvalidArgument quoting the text otherwise.
Result<ShardSpec> ParseShardSpec(const std::string& text);

// Objects the jobs of one run share, one per type, created on first use and destroyed with
// the run (e.g. the memorisation audit's tokenised corpora). Not thread-safe.
class RunResources {
 public:
  template <typename T, typename Make>
  T* GetOrCreate(Make make) {
    auto& slot = slots_[std::type_index(typeid(T))];
    if (!slot) slot = std::shared_ptr<void>(make());
    return static_cast<T*>(slot.get());
  }
  // The object of type T, or null when none was created or put.
  template <typename T>
  T* Find() const {
    auto it = slots_.find(std::type_index(typeid(T)));
    return it == slots_.end() ? nullptr : static_cast<T*>(it->second.get());
  }
  template <typename T>
  void Put(std::shared_ptr<T> value) {
    slots_[std::type_index(typeid(T))] = std::move(value);
  }

 private:
  std::map<std::type_index, std::shared_ptr<void>> slots_;
};

struct RunContext {
  RunStore* store = nullptr;  // never null while a job runs
  int64_t run_id = 0;
  bool quiet = false;          // no progress display
  ModelOptions model_options;  // as given on the command line and in the config
  RunResources* resources = nullptr;
  ShardSpec shard;
};

// A model a job runs on: the opened model, its store record and the run's display name.
struct JobModel {
  OpenedModel* opened = nullptr;
  ModelRecord record;
  std::string name;
};

// One line of the table a run prints at the end.
struct SummaryLine {
  std::string model;  // "" for model-free jobs
  std::string job;    // task or group name, "memorization:<name>", ...
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

// What Validate may look at: the run's model specs, in config order.
struct ValidateContext {
  std::vector<std::string> model_specs;
};

class JobDriver {
 public:
  virtual ~JobDriver() = default;
  // The kind's name in run configs ("tasks", "memorization", ...).
  virtual const char* kind() const = 0;
  // true: RunForModel once per model; false: RunOnce after every model's jobs, so a model-free
  // job (a PII scan of memorised outputs) reads what the model jobs stored.
  virtual bool needs_model() const = 0;
  // Checks what the job will read (files, task data) before any job of the run starts.
  virtual Status Validate(const ValidateContext& ctx) const;
  // Refuses a model the job cannot use (context too short, a capability it lacks), before
  // that model's first job runs.
  virtual Status CheckModel(const JobModel& model) const;
  // The job's normalised parameters (what a jobs row records, what a planner shards).
  virtual nlohmann::json Plan() const = 0;
  // Runs the job. Whatever finished is in the store when this returns, error or not.
  virtual Status RunForModel(const RunContext& ctx, const JobModel& model, JobOutcome* out);
  virtual Status RunOnce(const RunContext& ctx, JobOutcome* out);
  // Appends the lines of the run's summary table for what the last Run* call produced.
  virtual void Summarise(const std::string& model_name, JobOutcome* out) const = 0;

  // Scale-out. Shard: restricts the job to `shard` of its work (documents of a task, byte
  // ranges of a corpus). MergeShards: combines this job's rows from shard stores into `into`.
  // Both return Unsupported for kinds that cannot shard yet.
  virtual Status Shard(const ShardSpec& shard);
  virtual Status MergeShards(RunStore* into, const std::vector<RunStore*>& shards);
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

using JobParser = Result<std::unique_ptr<JobDriver>> (*)(const nlohmann::json& job,
                                                         const JobParseContext& ctx);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_JOBS_JOB_DRIVER_H_
