// The run store: one SQLite file holding runs, models, jobs, the request cache, samples and
// metrics, and the tables engines own beside them (owned_tables.h).
//
// WAL mode, so readers (reports) never block the writer and a killed writer loses at most
// its open transaction. The schema is versioned with PRAGMA user_version: Open migrates an
// older file forward and refuses a newer one with a message naming the file and both
// versions. Failed responses are never cached, so a rerun retries them.
//
// Thread-safety: a RunStore is one connection and must be used from one thread at a time
// (the scheduler's single writer owns one). Other threads or processes open their own.
#ifndef MNEMO_HARNESS_STORE_RUN_STORE_H_
#define MNEMO_HARNESS_STORE_RUN_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/request.h"
#include "harness/core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mnemo {

struct RunRecord {
  int64_t id = 0;
  std::string name;
  nlohmann::json config;  // the config as run (after defaults)
  std::string mnemo_version;
  std::string host;
  std::string started_at;   // ISO 8601 UTC
  std::string finished_at;  // empty while running
  std::string status;       // running | finished | failed | interrupted
  uint64_t seed = 0;
  int64_t pid = 0;         // the process that began it on `host`; 0 = unknown (before schema 8)
  int64_t resumed_by = 0;  // the run that took over this unfinished one; 0 = none (schema 8)
};

struct ModelRecord {
  int64_t id = 0;
  std::string backend;
  std::string backend_version;
  std::string path;
  std::string fingerprint;
  nlohmann::json info;  // name, n_ctx, n_vocab, caps...
};

// How a run used a model (schema 6): the model's display name in the run and how its backend
// computed (mn_model_desc.runtime_json, ABI 1.2).
struct RunModelRecord {
  int64_t run_id = 0;
  std::string name;  // the model's display name in the run (its jobs' model_name)
  int64_t model_id = 0;
  nlohmann::json runtime;  // a JSON object as the backend stated it; null = stated none
};

struct JobRecord {
  int64_t id = 0;
  int64_t run_id = 0;
  int64_t model_id = 0;
  std::string kind;  // e.g. "multiple_choice"
  std::string name;  // e.g. "tiny_geo"
  nlohmann::json config;
  std::string status;  // running | finished | failed | interrupted
  int64_t n_requests = 0;
  int64_t n_cached = 0;  // requests answered from the cache
  std::string started_at;
  std::string finished_at;
};

struct SampleRecord {
  std::string doc_id;
  int64_t doc_index = 0;
  nlohmann::json data;  // prompt, target, responses, per-metric values
};

// Whether a run's results are whole (docs/store.md, "Run lifecycle"). A run is partial when its
// status is not "finished" (still running, killed, interrupted by Ctrl-C, failed) or when any
// job it began did not finish (a job left "running" or "interrupted", "failed", or
// "incomplete": some documents' requests failed).
struct RunCompleteness {
  bool partial = false;
  // The status as people read it: "finished", "running", "failed", "interrupted", or "killed"
  // for a "running" run whose process is gone (RunOwnerAlive).
  std::string state;
  // "" when whole; else one line, e.g. "interrupted: 3 of 4 jobs finished (not: tiny_geo of
  // 'final' interrupted); resumed by run 9".
  std::string reason;
  int64_t jobs = 0;           // jobs the run began
  int64_t jobs_finished = 0;  // of those, finished
};

// Whether the process that began `run` may still be running it: the status is "running" and
// either it began on another host (which cannot be checked from here, so it counts as alive)
// or its pid is alive on this host. A "running" run with no recorded pid (written before
// schema 8) counts as gone. A pid reused by another process makes a killed run look alive.
bool RunOwnerAlive(const RunRecord& run);

// The completeness of `run` given its jobs (RunStore::ListJobs).
RunCompleteness AssessRun(const RunRecord& run, const std::vector<JobRecord>& jobs);

struct MetricRecord {
  std::string name;
  std::string filter = "none";
  double value = 0.0;
  std::optional<double> stderr_value;  // absent = N/A
  int64_t n = 0;
  bool higher_is_better = true;
};

// A job run as shard `index` of `count` (schema 9, table job_shards; docs/store.md "Shards").
struct JobShardRecord {
  int64_t job_id = 0;
  uint32_t index = 0;
  uint32_t count = 1;
  std::string config_fingerprint;                  // equal for every shard of the same job
  nlohmann::json plan = nlohmann::json::object();  // what a merge needs (set again at the end)
  std::string completed_at;                        // empty: no completion marker
};

class RunStore {
 public:
  static constexpr int kSchemaVersion = 9;

  // Opens (creating if needed) the store at `path`. Errors name the file: unwritable folder,
  // not a SQLite file, schema newer than this mnemo.
  static Result<std::unique_ptr<RunStore>> Open(const std::string& path);
  // Opens an existing store for reading only (reports); never migrates, so an older store is
  // read as it is (tables added by later versions are absent; see schema_version()).
  static Result<std::unique_ptr<RunStore>> OpenReadOnly(const std::string& path);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& path() const { return path_; }
  int schema_version() const;

  // Runs. BeginRun fills id, started_at and pid (this process); status "running".
  Status BeginRun(RunRecord* run);
  Status FinishRun(int64_t run_id, const std::string& status);
  // Links the unfinished runs that `run` (just begun) resumes: every earlier run with the same
  // name and config whose status is not "finished", that no run resumes yet and whose process
  // is gone (RunOwnerAlive). Each gets resumed_by = run.id, and a "running" one (killed) the
  // status "interrupted" (finished_at stays NULL). Returns them as they were before, oldest
  // first. One transaction: two runs starting at once do not both take the same run.
  Result<std::vector<RunRecord>> LinkResumedRuns(const RunRecord& run);
  Result<std::vector<RunRecord>> ListRuns();
  Result<RunRecord> GetRun(int64_t run_id);

  // Models are deduplicated on (backend, path, fingerprint); fills model->id.
  Status UpsertModel(ModelRecord* model);
  // Records how run `rm.run_id` used model `rm.model_id` under `rm.name`; recording the same
  // (run, name) again replaces it. A non-null runtime must be a JSON object.
  Status RecordRunModel(const RunModelRecord& rm);
  // The models recorded for a run, in the order recorded. Empty for runs written before
  // schema 6, and for a read-only store older than that (which has no run_models table).
  Result<std::vector<RunModelRecord>> ListRunModels(int64_t run_id);

  Status BeginJob(JobRecord* job);
  // Removes a job and every row that names it (metrics, samples, the audits' rows: their
  // foreign keys cascade). For a job a rerun replaces in place, e.g. a PII scan of a run's
  // memorised outputs scanned again.
  Status DeleteJob(int64_t job_id);
  Status FinishJob(int64_t job_id, const std::string& status, int64_t n_requests, int64_t n_cached);
  // Replaces a job's config (a merge whose shards recorded per-shard statistics in it).
  Status SetJobConfig(int64_t job_id, const nlohmann::json& config);
  Result<std::vector<JobRecord>> ListJobs(int64_t run_id);

  // A job's model; NotFound naming the store when there is none.
  Result<ModelRecord> GetModel(int64_t model_id);

  // Shards (schema 9). BeginJobShard records that job `shard.job_id` (just begun) runs as a
  // shard, with its plan as known at the start and no completion marker. CompleteJobShard sets the
  // marker and the merge plan; call it inside the Begin() transaction that writes the job's last
  // rows, so the marker exists exactly when they do. GetJobShard: none for a job that is not a
  // shard, and for stores without the table (older read-only ones).
  Status BeginJobShard(const JobShardRecord& shard);
  Status CompleteJobShard(int64_t job_id, const nlohmann::json& plan);
  Result<std::optional<JobShardRecord>> GetJobShard(int64_t job_id);

  // The request cache. Keys come from Request::CacheKey.
  Result<std::optional<Response>> LookupResponse(const std::string& key);
  // Looks up many keys in one transaction; out[i] is empty on a miss.
  Status LookupResponses(const std::vector<std::string>& keys,
                         std::vector<std::optional<Response>>* out);
  // Stores successful responses in one transaction; failed ones are skipped (never cached).
  // Storing a key again replaces its response and counts it in requests.completions.
  Status PutResponses(const std::vector<std::pair<std::string, const Response*>>& entries,
                      mn_request_kind kind);
  Result<int64_t> CountResponses();
  // Adds every cached response of the store file at `path` that this store lacks (a merge of
  // shard stores); keys already here keep their response. One statement; not inside a Begin()
  // transaction (SQLite cannot attach a file there). Cost grows with the other store's cache.
  Status CopyResponsesFrom(const std::string& path);

  // Samples are keyed on (job_id, doc_id); a rewrite replaces.
  Status PutSamples(int64_t job_id, const std::vector<SampleRecord>& samples);
  Result<std::vector<SampleRecord>> GetSamples(int64_t job_id);
  Status PutMetrics(int64_t job_id, const std::vector<MetricRecord>& metrics);
  Result<std::vector<MetricRecord>> GetMetrics(int64_t job_id);

  // The connection, for engines that own tables (owned_tables.h). Same thread rule as the
  // store; do not close it.
  sqlite3* db() const { return db_; }

  // Explicit transactions for batching many writes (nesting is not supported).
  Status Begin();
  Status Commit();
  Status Rollback();

 private:
  RunStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Migrate();
  // The SELECT of a run's columns for this file's schema (pid and resumed_by read as 0 before
  // version 8, which a read-only store may be).
  std::string RunColumns() const;
  Status Exec(const char* sql);
  // "run store '<path>': <what>: <sqlite3_errmsg>", with a code chosen from the SQLite error.
  Status SqlError(const std::string& what) const;
  Status Prepared(sqlite3_stmt** cached, const char* sql);
  Status LookupOne(const std::string& key, std::optional<Response>* out);
  std::string path_;
  sqlite3* db_;
  sqlite3_stmt* lookup_stmt_ = nullptr;  // hot: cached across calls
  sqlite3_stmt* put_stmt_ = nullptr;     // hot: cached across calls
  bool in_txn_ = false;                  // an explicit Begin() is open
  bool read_only_ = false;
};

}  // namespace mnemo

#endif  // MNEMO_HARNESS_STORE_RUN_STORE_H_
