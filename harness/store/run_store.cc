#include "harness/store/run_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <limits>

#include "harness/store/schema.h"

namespace mnemo {
namespace {

constexpr int kBusyTimeoutMs = 10000;

// ISO 8601 UTC with milliseconds, e.g. "2026-11-27T18:24:00.123Z".
std::string NowUtc() {
  const auto now = std::chrono::system_clock::now();
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // roomy enough that -Wformat-truncation sees no overflow
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StatusCode::kUnavailable;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
      return StatusCode::kInvalidArgument;
    default:
      return StatusCode::kIoError;
  }
}

Status SqlErr(sqlite3* db, const std::string& path, const std::string& what) {
  return Status(CodeFor(sqlite3_extended_errcode(db)),
                "run store '" + path + "': " + what + ": " + sqlite3_errmsg(db));
}

Status OpenErr(const std::string& path, int rc, const std::string& reason) {
  return Status(CodeFor(rc), "cannot open run store '" + path + "': " + reason);
}

Status NewerSchemaErr(const std::string& path, int version) {
  return Status::Unsupported("run store '" + path + "' has schema version " +
                             std::to_string(version) + ", newer than this mnemo supports (" +
                             std::to_string(RunStore::kSchemaVersion) + "); upgrade mnemo");
}

// Never throws: a string that is not valid UTF-8 is written with replacement characters.
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool ParseJson(const std::string& text, nlohmann::json* out) {
  try {
    *out = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  } catch (const std::exception&) {
    return false;
  }
  return !out->is_discarded();
}

// Finalizes a statement prepared for one call.
class OwnedStmt {
 public:
  OwnedStmt() = default;
  ~OwnedStmt() { sqlite3_finalize(s_); }
  OwnedStmt(const OwnedStmt&) = delete;
  OwnedStmt& operator=(const OwnedStmt&) = delete;
  sqlite3_stmt* get() const { return s_; }
  sqlite3_stmt** out() { return &s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// Resets a cached statement when a use ends, so it holds no read lock and no bindings.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* s) : s_(s) {}
  ~ResetOnExit() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* s_;
};

// Binds parameters in order; keeps the first failure so callers check once.
class Binder {
 public:
  explicit Binder(sqlite3_stmt* s) : s_(s) {}
  Binder& Text(const std::string& v) {
    return Set(sqlite3_bind_text64(s_, i_, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Binder& Int(int64_t v) { return Set(sqlite3_bind_int64(s_, i_, v)); }
  Binder& Double(double v) { return std::isnan(v) ? Null() : Set(sqlite3_bind_double(s_, i_, v)); }
  Binder& Null() { return Set(sqlite3_bind_null(s_, i_)); }
  bool ok() const { return rc_ == SQLITE_OK; }

 private:
  Binder& Set(int rc) {
    if (rc_ == SQLITE_OK) rc_ = rc;
    ++i_;
    return *this;
  }
  sqlite3_stmt* s_;
  int i_ = 1;
  int rc_ = SQLITE_OK;
};

Status Prepare(sqlite3* db, const std::string& path, const char* sql, OwnedStmt* stmt) {
  if (sqlite3_prepare_v2(db, sql, -1, stmt->out(), nullptr) != SQLITE_OK) {
    return SqlErr(db, path, std::string("preparing '") + sql + "'");
  }
  return Status::Ok();
}

// One step; *row tells whether a row is available.
Status Step(sqlite3* db, const std::string& path, sqlite3_stmt* s, const std::string& what,
            bool* row) {
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
    if (row) *row = rc == SQLITE_ROW;
    return Status::Ok();
  }
  return SqlErr(db, path, what);
}

std::string ColText(sqlite3_stmt* s, int i) {
  const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  if (t == nullptr) return std::string();
  return std::string(t, static_cast<size_t>(sqlite3_column_bytes(s, i)));
}

// Runs one statement that returns no rows: bind(b) binds its values; `what` names it in errors
// ("inserting a run": "binding for inserting a run" when a value does not bind).
template <typename Bind>
Status ExecOne(sqlite3* db, const std::string& path, const char* sql, Bind bind,
               const std::string& what) {
  OwnedStmt s;
  MNEMO_RETURN_IF_ERROR(Prepare(db, path, sql, &s));
  Binder b(s.get());
  bind(b);
  if (!b.ok()) return SqlErr(db, path, "binding for " + what);
  return Step(db, path, s.get(), what, nullptr);
}

// Steps `s` through its rows, calling read(s) for each until one fails; `what` names the
// read in errors.
template <typename Read>
Status ForEachRow(sqlite3* db, const std::string& path, sqlite3_stmt* s, const std::string& what,
                  Read read) {
  for (;;) {
    bool row = false;
    MNEMO_RETURN_IF_ERROR(Step(db, path, s, what, &row));
    if (!row) return Status::Ok();
    MNEMO_RETURN_IF_ERROR(read(s));
  }
}

// The rows `sql` selects with its one integer parameter `id`, each made by read(st, &row) (a
// Status: a row that does not parse fails the read); `what` names the read in errors.
template <typename Row, typename Read>
Result<std::vector<Row>> SelectRows(sqlite3* db, const std::string& path, const char* sql,
                                    int64_t id, const std::string& what, Read read) {
  OwnedStmt s;
  MNEMO_RETURN_IF_ERROR(Prepare(db, path, sql, &s));
  if (!Binder(s.get()).Int(id).ok()) return SqlErr(db, path, "binding the id for " + what);
  std::vector<Row> out;
  MNEMO_RETURN_IF_ERROR(ForEachRow(db, path, s.get(), what, [&](sqlite3_stmt* st) {
    Row row;
    MNEMO_RETURN_IF_ERROR(read(st, &row));
    out.push_back(std::move(row));
    return Status::Ok();
  }));
  return out;
}

// The one integer `sql` reads (a PRAGMA, a count), as an SQLite result code.
int ReadOneInt(sqlite3* db, const char* sql, int64_t* out) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      *out = sqlite3_column_int64(s, 0);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(s);
  return rc;
}

int ReadUserVersion(sqlite3* db, int* version) {
  int64_t v = 0;
  const int rc = ReadOneInt(db, "PRAGMA user_version", &v);
  if (rc == SQLITE_OK) *version = static_cast<int>(v);
  return rc;
}

// Counts schema objects; a user_version-0 file with tables is someone else's database.
int CountSchemaObjects(sqlite3* db, int64_t* n) {
  return ReadOneInt(db, "SELECT count(*) FROM sqlite_master", n);
}

// A transaction around one call, or nothing when the caller's Begin() transaction is open
// (the caller then owns commit and rollback). Rolls back if not committed.
class TxnScope {
 public:
  TxnScope(sqlite3* db, const std::string& path, bool joined)
      : db_(db), path_(path), joined_(joined) {}
  ~TxnScope() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  TxnScope(const TxnScope&) = delete;
  TxnScope& operator=(const TxnScope&) = delete;

  Status Begin(const char* begin_sql) {
    if (joined_) return Status::Ok();
    if (sqlite3_exec(db_, begin_sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return SqlErr(db_, path_, "beginning a transaction");
    }
    open_ = true;
    return Status::Ok();
  }
  Status Commit() {
    if (!open_) return Status::Ok();
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return SqlErr(db_, path_, "committing");  // the destructor rolls back
    }
    open_ = false;
    return Status::Ok();
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  bool joined_;
  bool open_ = false;
};

// This host's name, as RunSession records it in runs.host.
std::string ThisHost() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return host;
}

Status ReadRun(const std::string& path, sqlite3_stmt* s, RunRecord* run) {
  run->id = sqlite3_column_int64(s, 0);
  run->name = ColText(s, 1);
  if (!ParseJson(ColText(s, 2), &run->config)) {
    return Status::InvalidArgument("run store '" + path + "': run " + std::to_string(run->id) +
                                   " has invalid config_json");
  }
  run->mnemo_version = ColText(s, 3);
  run->host = ColText(s, 4);
  run->started_at = ColText(s, 5);
  run->finished_at = ColText(s, 6);
  run->status = ColText(s, 7);
  run->seed = static_cast<uint64_t>(sqlite3_column_int64(s, 8));
  run->pid = sqlite3_column_int64(s, 9);          // NULL reads as 0
  run->resumed_by = sqlite3_column_int64(s, 10);  // NULL reads as 0
  return Status::Ok();
}

// Writes `rows` with `sql` in one IMMEDIATE transaction (joined to an open one, as TxnScope
// does): bind(b, row) binds a row's values, name(row) names it in errors. A row that fails
// rolls back them all.
template <typename Row, typename Bind, typename Name>
Status WriteRows(sqlite3* db, const std::string& path, bool joined, const char* sql,
                 const std::vector<Row>& rows, Bind bind, Name name) {
  if (rows.empty()) return Status::Ok();
  TxnScope txn(db, path, joined);
  MNEMO_RETURN_IF_ERROR(txn.Begin("BEGIN IMMEDIATE"));
  OwnedStmt s;
  MNEMO_RETURN_IF_ERROR(Prepare(db, path, sql, &s));
  for (const Row& row : rows) {
    sqlite3_reset(s.get());
    Binder b(s.get());
    bind(b, row);
    if (!b.ok()) return SqlErr(db, path, "binding " + name(row));
    MNEMO_RETURN_IF_ERROR(Step(db, path, s.get(), "storing " + name(row), nullptr));
  }
  return txn.Commit();
}

}  // namespace

Result<std::unique_ptr<RunStore>> RunStore::Open(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("run store path is empty");
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string reason = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return OpenErr(path, rc, reason);
  }
  std::unique_ptr<RunStore> store(new RunStore(path, db));
  // SQLite silently falls back to read-only when it cannot write the file.
  if (sqlite3_db_readonly(db, "main") == 1) {
    return Status::IoError("cannot open run store '" + path + "': the file is read-only");
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  // Read the version before touching the file, so a newer store is left as it was. This is
  // also the first read, where a file that is not SQLite shows up.
  int version = 0;
  if (ReadUserVersion(db, &version) != SQLITE_OK) {
    return OpenErr(path, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
  }
  if (version > kSchemaVersion) return NewerSchemaErr(path, version);
  if (version < 0) {
    return Status::InvalidArgument("run store '" + path + "' has invalid schema version " +
                                   std::to_string(version));
  }
  if (version == 0) {
    int64_t n = 0;
    if (CountSchemaObjects(db, &n) != SQLITE_OK) {
      return OpenErr(path, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
    }
    if (n > 0) {
      return Status::InvalidArgument("cannot open run store '" + path +
                                     "': it is a SQLite database but not a mnemo run store "
                                     "(it has tables but no schema version)");
    }
  }

  // journal_mode answers with the mode in effect; anything but WAL means readers would block.
  {
    OwnedStmt s;
    MNEMO_RETURN_IF_ERROR(Prepare(db, path, "PRAGMA journal_mode=WAL", &s));
    bool row = false;
    MNEMO_RETURN_IF_ERROR(Step(db, path, s.get(), "enabling WAL mode", &row));
    const std::string mode = row ? ColText(s.get(), 0) : std::string();
    if (mode != "wal" && path != ":memory:") {
      return Status::IoError("cannot open run store '" + path +
                             "': could not enable WAL mode (journal_mode is '" + mode + "')");
    }
  }
  MNEMO_RETURN_IF_ERROR(store->Exec("PRAGMA synchronous=NORMAL"));
  MNEMO_RETURN_IF_ERROR(store->Exec("PRAGMA foreign_keys=ON"));
  if (version < kSchemaVersion) MNEMO_RETURN_IF_ERROR(store->Migrate());
  return store;
}

Result<std::unique_ptr<RunStore>> RunStore::OpenReadOnly(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) {
    return Status::NotFound("run store '" + path + "' not found");
  }
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string reason = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return OpenErr(path, rc, reason);
  }
  std::unique_ptr<RunStore> store(new RunStore(path, db));
  store->read_only_ = true;
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  int version = 0;
  if (ReadUserVersion(db, &version) != SQLITE_OK) {
    return OpenErr(path, sqlite3_extended_errcode(db), sqlite3_errmsg(db));
  }
  if (version > kSchemaVersion) return NewerSchemaErr(path, version);
  // Never migrates: an older file is read as it is. Every version has the v1 tables these
  // methods read; readers of later tables check they exist (reports do).
  if (version <= 0) {
    return Status::InvalidArgument("run store '" + path +
                                   "' is not a mnemo run store (no schema version)");
  }
  MNEMO_RETURN_IF_ERROR(store->Exec("PRAGMA foreign_keys=ON"));
  return store;
}

RunStore::~RunStore() {
  sqlite3_finalize(lookup_stmt_);
  sqlite3_finalize(put_stmt_);
  sqlite3_close_v2(db_);  // rolls back a transaction left open
}

int RunStore::schema_version() const {
  int version = -1;
  if (ReadUserVersion(db_, &version) != SQLITE_OK) return -1;
  return version;
}

Status RunStore::SqlError(const std::string& what) const {
  return SqlErr(db_, path_, what);
}

Status RunStore::Exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqlError(std::string("running '") + sql + "'");
  }
  return Status::Ok();
}

Status RunStore::Prepared(sqlite3_stmt** cached, const char* sql) {
  if (*cached != nullptr) return Status::Ok();
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, cached, nullptr) != SQLITE_OK) {
    return SqlError(std::string("preparing '") + sql + "'");
  }
  return Status::Ok();
}

// Each step runs in its own IMMEDIATE transaction and re-reads the version inside it, so two
// processes opening a fresh file at once do not both apply the same step.
Status RunStore::Migrate() {
  for (;;) {
    MNEMO_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    int version = 0;
    if (ReadUserVersion(db_, &version) != SQLITE_OK) {
      Status s = SqlError("reading the schema version");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return s;
    }
    if (version > kSchemaVersion) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return NewerSchemaErr(path_, version);
    }
    if (version == kSchemaVersion) return Exec("COMMIT");
    const std::string next = std::to_string(version + 1);
    const std::string set_version = "PRAGMA user_version = " + next;
    if (sqlite3_exec(db_, store_schema::kMigrations[version], nullptr, nullptr, nullptr) !=
            SQLITE_OK ||
        sqlite3_exec(db_, set_version.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      Status s = SqlError("migrating the schema to version " + next);
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return s;
    }
    MNEMO_RETURN_IF_ERROR(Exec("COMMIT"));
  }
}

// ---- Runs ----------------------------------------------------------------------------------

Status RunStore::BeginRun(RunRecord* run) {
  const std::string now = NowUtc();
  MNEMO_RETURN_IF_ERROR(ExecOne(
      db_, path_,
      "INSERT INTO runs (name, config_json, mnemo_version, host, started_at, finished_at, "
      "status, seed, pid) VALUES (?, ?, ?, ?, ?, NULL, 'running', ?, ?)",
      [&](Binder& b) {
        b.Text(run->name)
            .Text(Dump(run->config))
            .Text(run->mnemo_version)
            .Text(run->host)
            .Text(now)
            .Int(static_cast<int64_t>(run->seed))
            .Int(static_cast<int64_t>(getpid()));
      },
      "inserting run '" + run->name + "'"));
  run->id = sqlite3_last_insert_rowid(db_);
  run->pid = static_cast<int64_t>(getpid());
  run->resumed_by = 0;
  run->started_at = now;
  run->finished_at.clear();
  run->status = "running";
  return Status::Ok();
}

Status RunStore::FinishRun(int64_t run_id, const std::string& status) {
  MNEMO_RETURN_IF_ERROR(ExecOne(
      db_, path_, "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
      [&](Binder& b) { b.Text(status).Text(NowUtc()).Int(run_id); },
      "finishing run " + std::to_string(run_id)));
  if (sqlite3_changes(db_) == 0) {
    return Status::NotFound("run store '" + path_ + "': no run " + std::to_string(run_id));
  }
  return Status::Ok();
}

Result<std::vector<RunRecord>> RunStore::LinkResumedRuns(const RunRecord& run) {
  std::vector<RunRecord> out;
  TxnScope txn(db_, path_, in_txn_);
  MNEMO_RETURN_IF_ERROR(txn.Begin("BEGIN IMMEDIATE"));
  {
    OwnedStmt s;
    MNEMO_RETURN_IF_ERROR(
        Prepare(db_, path_,
                (RunColumns() + " WHERE id < ? AND name = ? AND config_json = ? AND status <> "
                                "'finished' AND resumed_by IS NULL ORDER BY id")
                    .c_str(),
                &s));
    Binder b(s.get());
    b.Int(run.id).Text(run.name).Text(Dump(run.config));
    if (!b.ok())
      return SqlError("binding run " + std::to_string(run.id) + " to find what it resumes");
    MNEMO_RETURN_IF_ERROR(
        ForEachRow(db_, path_, s.get(), "finding the runs a run resumes", [&](sqlite3_stmt* st) {
          RunRecord r;
          MNEMO_RETURN_IF_ERROR(ReadRun(path_, st, &r));
          if (!RunOwnerAlive(r)) out.push_back(std::move(r));
          return Status::Ok();
        }));
  }
  for (const RunRecord& r : out) {
    MNEMO_RETURN_IF_ERROR(ExecOne(
        db_, path_,
        "UPDATE runs SET resumed_by = ?, status = CASE status WHEN 'running' THEN "
        "'interrupted' ELSE status END WHERE id = ?",
        [&](Binder& b) { b.Int(run.id).Int(r.id); },
        "marking run " + std::to_string(r.id) + " resumed by run " + std::to_string(run.id)));
  }
  MNEMO_RETURN_IF_ERROR(txn.Commit());
  return out;
}

std::string RunStore::RunColumns() const {
  return schema_version() >= 8
             ? "SELECT id, name, config_json, mnemo_version, host, started_at, finished_at, "
               "status, seed, pid, resumed_by FROM runs"
             : "SELECT id, name, config_json, mnemo_version, host, started_at, finished_at, "
               "status, seed, NULL, NULL FROM runs";
}

Result<std::vector<RunRecord>> RunStore::ListRuns() {
  OwnedStmt s;
  MNEMO_RETURN_IF_ERROR(Prepare(db_, path_, (RunColumns() + " ORDER BY id").c_str(), &s));
  std::vector<RunRecord> runs;
  MNEMO_RETURN_IF_ERROR(ForEachRow(db_, path_, s.get(), "listing runs", [&](sqlite3_stmt* st) {
    RunRecord run;
    MNEMO_RETURN_IF_ERROR(ReadRun(path_, st, &run));
    runs.push_back(std::move(run));
    return Status::Ok();
  }));
  return runs;
}

Result<RunRecord> RunStore::GetRun(int64_t run_id) {
  OwnedStmt s;
  MNEMO_RETURN_IF_ERROR(Prepare(db_, path_, (RunColumns() + " WHERE id = ?").c_str(), &s));
  if (!Binder(s.get()).Int(run_id).ok()) return SqlError("binding run id");
  bool row = false;
  MNEMO_RETURN_IF_ERROR(Step(db_, path_, s.get(), "reading a run", &row));
  if (!row) {
    return Status::NotFound("run store '" + path_ + "': no run " + std::to_string(run_id));
  }
  RunRecord run;
  MNEMO_RETURN_IF_ERROR(ReadRun(path_, s.get(), &run));
  return run;
}

bool RunOwnerAlive(const RunRecord& run) {
  if (run.status != "running") return false;
  if (run.pid <= 0) return false;           // before schema 8: no mnemo of today runs it
  if (run.host != ThisHost()) return true;  // cannot be checked from here
  return kill(static_cast<pid_t>(run.pid), 0) == 0 || errno == EPERM;
}

RunCompleteness AssessRun(const RunRecord& run, const std::vector<JobRecord>& jobs) {
  RunCompleteness c;
  c.state = run.status == "running" && !RunOwnerAlive(run) ? "killed" : run.status;
  std::vector<std::string> unfinished;
  for (const JobRecord& j : jobs) {
    ++c.jobs;
    if (j.status == "finished") {
      ++c.jobs_finished;
      continue;
    }
    std::string what = j.name;
    if (j.config.is_object() && j.config.contains("model_name") &&
        j.config["model_name"].is_string())
      what += " of '" + j.config["model_name"].get<std::string>() + "'";
    unfinished.push_back(what + " " + (j.status == "running" ? "cut short" : j.status));
  }
  c.partial = run.status != "finished" || c.jobs_finished < c.jobs;
  if (!c.partial) return c;
  if (c.state == "running") {
    c.reason = "still running";
  } else if (c.state == "killed") {
    c.reason = "killed (its process is gone)";
  } else if (c.state == "finished") {
    c.reason = "finished with unfinished jobs";
  } else {
    c.reason = c.state;
  }
  c.reason += ": " + std::to_string(c.jobs_finished) + " of " + std::to_string(c.jobs) + " job" +
              (c.jobs == 1 ? "" : "s") + " finished";
  if (!unfinished.empty()) {
    c.reason += " (not: ";
    const size_t shown = std::min<size_t>(unfinished.size(), 3);
    for (size_t i = 0; i < shown; ++i) c.reason += (i ? ", " : "") + unfinished[i];
    if (unfinished.size() > shown)
      c.reason += " and " + std::to_string(unfinished.size() - shown) + " more";
    c.reason += ")";
  }
  if (run.resumed_by != 0) c.reason += "; resumed by run " + std::to_string(run.resumed_by);
  return c;
}

// ---- Models and jobs -----------------------------------------------------------------------

Status RunStore::UpsertModel(ModelRecord* model) {
  TxnScope txn(db_, path_, in_txn_);
  MNEMO_RETURN_IF_ERROR(txn.Begin("BEGIN IMMEDIATE"));
  MNEMO_RETURN_IF_ERROR(ExecOne(
      db_, path_,
      "INSERT INTO models (backend, backend_version, path, fingerprint, info_json) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (backend, path, fingerprint) DO UPDATE SET "
      "backend_version = excluded.backend_version, info_json = excluded.info_json",
      [&](Binder& b) {
        b.Text(model->backend)
            .Text(model->backend_version)
            .Text(model->path)
            .Text(model->fingerprint)
            .Text(Dump(model->info));
      },
      "storing model '" + model->path + "'"));
  // last_insert_rowid is not set by the DO UPDATE branch, so look the id up.
  OwnedStmt s;
  MNEMO_RETURN_IF_ERROR(Prepare(
      db_, path_, "SELECT id FROM models WHERE backend = ? AND path = ? AND fingerprint = ?", &s));
  Binder b(s.get());
  b.Text(model->backend).Text(model->path).Text(model->fingerprint);
  if (!b.ok()) return SqlError("binding model '" + model->path + "'");
  bool row = false;
  MNEMO_RETURN_IF_ERROR(Step(db_, path_, s.get(), "reading a model id", &row));
  if (!row) {
    return Status::Internal("run store '" + path_ + "': model '" + model->path +
                            "' missing right after it was stored");
  }
  const int64_t id = sqlite3_column_int64(s.get(), 0);
  MNEMO_RETURN_IF_ERROR(txn.Commit());
  model->id = id;
  return Status::Ok();
}

Status RunStore::RecordRunModel(const RunModelRecord& rm) {
  if (!rm.runtime.is_null() && !rm.runtime.is_object()) {
    return Status::InvalidArgument("run store '" + path_ + "': runtime of model '" + rm.name +
                                   "' in run " + std::to_string(rm.run_id) +
                                   " is not a JSON object");
  }
  return ExecOne(
      db_, path_,
      "INSERT INTO run_models (run_id, name, model_id, runtime_json) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (run_id, name) DO UPDATE SET model_id = excluded.model_id, "
      "runtime_json = excluded.runtime_json",
      [&](Binder& b) {
        b.Int(rm.run_id).Text(rm.name).Int(rm.model_id);
        if (rm.runtime.is_null()) {
          b.Null();
        } else {
          b.Text(Dump(rm.runtime));
        }
      },
      "recording model '" + rm.name + "' of run " + std::to_string(rm.run_id));
}

Result<std::vector<RunModelRecord>> RunStore::ListRunModels(int64_t run_id) {
  std::vector<RunModelRecord> out;
  if (schema_version() < 6) return out;  // a read-only store from before run_models
  return SelectRows<RunModelRecord>(
      db_, path_,
      "SELECT run_id, name, model_id, runtime_json FROM run_models "
      "WHERE run_id = ? ORDER BY rowid",
      run_id, "listing the models of a run", [&](sqlite3_stmt* st, RunModelRecord* rm) {
        rm->run_id = sqlite3_column_int64(st, 0);
        rm->name = ColText(st, 1);
        rm->model_id = sqlite3_column_int64(st, 2);
        if (sqlite3_column_type(st, 3) != SQLITE_NULL &&
            (!ParseJson(ColText(st, 3), &rm->runtime) || !rm->runtime.is_object())) {
          return Status::InvalidArgument("run store '" + path_ + "': model '" + rm->name +
                                         "' of run " + std::to_string(run_id) +
                                         " has a runtime_json that is not a JSON object");
        }
        return Status::Ok();
      });
}

Status RunStore::DeleteJob(int64_t job_id) {
  return ExecOne(
      db_, path_, "DELETE FROM jobs WHERE id = ?", [&](Binder& b) { b.Int(job_id); },
      "deleting job " + std::to_string(job_id));
}

Status RunStore::BeginJob(JobRecord* job) {
  const std::string now = NowUtc();
  MNEMO_RETURN_IF_ERROR(ExecOne(
      db_, path_,
      "INSERT INTO jobs (run_id, model_id, kind, name, config_json, status, n_requests, "
      "n_cached, started_at, finished_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, NULL)",
      [&](Binder& b) {
        b.Int(job->run_id);
        if (job->model_id == 0) {
          b.Null();  // a job without a model
        } else {
          b.Int(job->model_id);
        }
        b.Text(job->kind)
            .Text(job->name)
            .Text(Dump(job->config))
            .Int(job->n_requests)
            .Int(job->n_cached)
            .Text(now);
      },
      "inserting job '" + job->name + "'"));
  job->id = sqlite3_last_insert_rowid(db_);
  job->started_at = now;
  job->finished_at.clear();
  job->status = "running";
  return Status::Ok();
}

Status RunStore::FinishJob(int64_t job_id, const std::string& status, int64_t n_requests,
                           int64_t n_cached) {
  MNEMO_RETURN_IF_ERROR(ExecOne(
      db_, path_,
      "UPDATE jobs SET status = ?, n_requests = ?, n_cached = ?, finished_at = ? WHERE id = ?",
      [&](Binder& b) { b.Text(status).Int(n_requests).Int(n_cached).Text(NowUtc()).Int(job_id); },
      "finishing job " + std::to_string(job_id)));
  if (sqlite3_changes(db_) == 0) {
    return Status::NotFound("run store '" + path_ + "': no job " + std::to_string(job_id));
  }
  return Status::Ok();
}

Status RunStore::SetJobConfig(int64_t job_id, const nlohmann::json& config) {
  MNEMO_RETURN_IF_ERROR(ExecOne(
      db_, path_, "UPDATE jobs SET config_json = ? WHERE id = ?",
      [&](Binder& b) { b.Text(Dump(config)).Int(job_id); },
      "setting the config of job " + std::to_string(job_id)));
  if (sqlite3_changes(db_) == 0)
    return Status::NotFound("run store '" + path_ + "': no job " + std::to_string(job_id));
  return Status::Ok();
}

Result<std::vector<JobRecord>> RunStore::ListJobs(int64_t run_id) {
  return SelectRows<JobRecord>(
      db_, path_,
      "SELECT id, run_id, model_id, kind, name, config_json, status, "
      "n_requests, n_cached, started_at, finished_at "
      "FROM jobs WHERE run_id = ? ORDER BY id",
      run_id, "listing jobs", [&](sqlite3_stmt* st, JobRecord* job) {
        job->id = sqlite3_column_int64(st, 0);
        job->run_id = sqlite3_column_int64(st, 1);
        job->model_id = sqlite3_column_int64(st, 2);  // NULL reads as 0
        job->kind = ColText(st, 3);
        job->name = ColText(st, 4);
        if (!ParseJson(ColText(st, 5), &job->config)) {
          return Status::InvalidArgument("run store '" + path_ + "': job " +
                                         std::to_string(job->id) + " has invalid config_json");
        }
        job->status = ColText(st, 6);
        job->n_requests = sqlite3_column_int64(st, 7);
        job->n_cached = sqlite3_column_int64(st, 8);
        job->started_at = ColText(st, 9);
        job->finished_at = ColText(st, 10);
        return Status::Ok();
      });
}

Result<ModelRecord> RunStore::GetModel(int64_t model_id) {
  auto rows = SelectRows<ModelRecord>(
      db_, path_,
      "SELECT id, backend, backend_version, path, fingerprint, info_json FROM models WHERE id = ?",
      model_id, "reading a model", [&](sqlite3_stmt* st, ModelRecord* m) {
        m->id = sqlite3_column_int64(st, 0);
        m->backend = ColText(st, 1);
        m->backend_version = ColText(st, 2);
        m->path = ColText(st, 3);
        m->fingerprint = ColText(st, 4);
        if (!ParseJson(ColText(st, 5), &m->info)) {
          return Status::InvalidArgument("run store '" + path_ + "': model " +
                                         std::to_string(m->id) + " has invalid info_json");
        }
        return Status::Ok();
      });
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return Status::NotFound("run store '" + path_ + "': no model " + std::to_string(model_id));
  return std::move(rows->front());
}

// ---- Shards --------------------------------------------------------------------------------

Status RunStore::BeginJobShard(const JobShardRecord& shard) {
  return ExecOne(
      db_, path_,
      "INSERT INTO job_shards (job_id, shard_index, shard_count, config_fingerprint, plan_json, "
      "completed_at) VALUES (?, ?, ?, ?, ?, NULL)",
      [&](Binder& b) {
        b.Int(shard.job_id)
            .Int(shard.index)
            .Int(shard.count)
            .Text(shard.config_fingerprint)
            .Text(Dump(shard.plan));
      },
      "recording job " + std::to_string(shard.job_id) + " as a shard");
}

Status RunStore::CompleteJobShard(int64_t job_id, const nlohmann::json& plan) {
  MNEMO_RETURN_IF_ERROR(ExecOne(
      db_, path_, "UPDATE job_shards SET plan_json = ?, completed_at = ? WHERE job_id = ?",
      [&](Binder& b) { b.Text(Dump(plan)).Text(NowUtc()).Int(job_id); },
      "marking shard job " + std::to_string(job_id) + " complete"));
  if (sqlite3_changes(db_) == 0) {
    return Status::NotFound("run store '" + path_ + "': job " + std::to_string(job_id) +
                            " is not a shard");
  }
  return Status::Ok();
}

Result<std::optional<JobShardRecord>> RunStore::GetJobShard(int64_t job_id) {
  std::optional<JobShardRecord> out;
  if (schema_version() < 9) return out;  // a read-only store from before job_shards
  auto rows = SelectRows<JobShardRecord>(
      db_, path_,
      "SELECT job_id, shard_index, shard_count, config_fingerprint, plan_json, completed_at "
      "FROM job_shards WHERE job_id = ?",
      job_id, "reading a job's shard", [&](sqlite3_stmt* st, JobShardRecord* r) {
        r->job_id = sqlite3_column_int64(st, 0);
        r->index = static_cast<uint32_t>(sqlite3_column_int64(st, 1));
        r->count = static_cast<uint32_t>(sqlite3_column_int64(st, 2));
        r->config_fingerprint = ColText(st, 3);
        if (!ParseJson(ColText(st, 4), &r->plan)) {
          return Status::InvalidArgument("run store '" + path_ + "': shard of job " +
                                         std::to_string(r->job_id) + " has invalid plan_json");
        }
        r->completed_at = ColText(st, 5);  // NULL reads as ""
        return Status::Ok();
      });
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) out = std::move(rows->front());
  return out;
}

// ---- The request cache ---------------------------------------------------------------------

Status RunStore::LookupOne(const std::string& key, std::optional<Response>* out) {
  MNEMO_RETURN_IF_ERROR(
      Prepared(&lookup_stmt_, "SELECT response_json FROM requests WHERE key = ?"));
  ResetOnExit reset(lookup_stmt_);
  if (!Binder(lookup_stmt_).Text(key).ok()) return SqlError("binding key '" + key + "'");
  bool row = false;
  MNEMO_RETURN_IF_ERROR(Step(db_, path_, lookup_stmt_, "looking up a cached response", &row));
  if (!row) {
    out->reset();
    return Status::Ok();
  }
  nlohmann::json j;
  if (!ParseJson(ColText(lookup_stmt_, 0), &j) || !j.is_object()) {
    return Status::InvalidArgument("run store '" + path_ + "': cached response for key '" + key +
                                   "' is not a valid JSON object");
  }
  try {
    *out = Response::FromJson(j);
  } catch (const std::exception& e) {
    return Status::InvalidArgument("run store '" + path_ + "': cached response for key '" + key +
                                   "' is malformed: " + e.what());
  }
  return Status::Ok();
}

Result<std::optional<Response>> RunStore::LookupResponse(const std::string& key) {
  std::optional<Response> out;
  MNEMO_RETURN_IF_ERROR(LookupOne(key, &out));
  return out;
}

Status RunStore::LookupResponses(const std::vector<std::string>& keys,
                                 std::vector<std::optional<Response>>* out) {
  out->assign(keys.size(), std::nullopt);
  if (keys.empty()) return Status::Ok();
  // One read transaction: one snapshot, and the WAL read lock is taken once.
  TxnScope txn(db_, path_, in_txn_);
  MNEMO_RETURN_IF_ERROR(txn.Begin("BEGIN"));
  for (size_t i = 0; i < keys.size(); ++i) {
    MNEMO_RETURN_IF_ERROR(LookupOne(keys[i], &(*out)[i]));
  }
  return txn.Commit();
}

Status RunStore::PutResponses(const std::vector<std::pair<std::string, const Response*>>& entries,
                              mn_request_kind kind) {
  bool any = false;
  for (const auto& [key, response] : entries) any = any || (response && response->ok());
  if (!any) return Status::Ok();
  const std::string now = NowUtc();
  const std::string kind_name = RequestKindName(kind);
  TxnScope txn(db_, path_, in_txn_);
  MNEMO_RETURN_IF_ERROR(txn.Begin("BEGIN IMMEDIATE"));
  MNEMO_RETURN_IF_ERROR(Prepared(&put_stmt_,
                                 "INSERT INTO requests (key, kind, response_json, created_at) "
                                 "VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                                 "kind = excluded.kind, response_json = excluded.response_json, "
                                 "created_at = excluded.created_at, "
                                 "completions = completions + 1"));
  for (const auto& [key, response] : entries) {
    if (response == nullptr || !response->ok()) continue;  // failures are retried, not cached
    ResetOnExit reset(put_stmt_);
    Binder b(put_stmt_);
    b.Text(key).Text(kind_name).Text(Dump(response->ToJson())).Text(now);
    if (!b.ok()) return SqlError("binding cached response '" + key + "'");
    MNEMO_RETURN_IF_ERROR(Step(db_, path_, put_stmt_, "caching a response", nullptr));
  }
  return txn.Commit();
}

Result<int64_t> RunStore::CountResponses() {
  OwnedStmt s;
  MNEMO_RETURN_IF_ERROR(Prepare(db_, path_, "SELECT count(*) FROM requests", &s));
  bool row = false;
  MNEMO_RETURN_IF_ERROR(Step(db_, path_, s.get(), "counting cached responses", &row));
  return row ? sqlite3_column_int64(s.get(), 0) : int64_t{0};
}

Status RunStore::CopyResponsesFrom(const std::string& path) {
  MNEMO_RETURN_IF_ERROR(ExecOne(
      db_, path_, "ATTACH DATABASE ? AS shard_src", [&](Binder& b) { b.Text(path); },
      "opening '" + path + "' to copy its cached responses"));
  Status s = Exec(
      "INSERT OR IGNORE INTO main.requests (key, kind, response_json, created_at, completions) "
      "SELECT key, kind, response_json, created_at, completions FROM shard_src.requests");
  Status d = Exec("DETACH DATABASE shard_src");
  return s.ok() ? d : s;
}

// ---- Samples and metrics -------------------------------------------------------------------

Status RunStore::PutSamples(int64_t job_id, const std::vector<SampleRecord>& samples) {
  return WriteRows(
      db_, path_, in_txn_,
      "INSERT OR REPLACE INTO samples (job_id, doc_id, doc_index, data_json) VALUES (?, ?, ?, ?)",
      samples,
      [&](Binder& b, const SampleRecord& sample) {
        b.Int(job_id).Text(sample.doc_id).Int(sample.doc_index).Text(Dump(sample.data));
      },
      [&](const SampleRecord& sample) {
        return "sample '" + sample.doc_id + "' of job " + std::to_string(job_id);
      });
}

Result<std::vector<SampleRecord>> RunStore::GetSamples(int64_t job_id) {
  return SelectRows<SampleRecord>(
      db_, path_,
      "SELECT doc_id, doc_index, data_json FROM samples "
      "WHERE job_id = ? ORDER BY doc_index, doc_id",
      job_id, "reading samples", [&](sqlite3_stmt* st, SampleRecord* sample) {
        sample->doc_id = ColText(st, 0);
        sample->doc_index = sqlite3_column_int64(st, 1);
        if (!ParseJson(ColText(st, 2), &sample->data)) {
          return Status::InvalidArgument("run store '" + path_ + "': sample '" + sample->doc_id +
                                         "' of job " + std::to_string(job_id) +
                                         " has invalid data_json");
        }
        return Status::Ok();
      });
}

Status RunStore::PutMetrics(int64_t job_id, const std::vector<MetricRecord>& metrics) {
  return WriteRows(
      db_, path_, in_txn_,
      "INSERT OR REPLACE INTO metrics (job_id, name, filter, value, stderr, n, higher_is_better) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      metrics,
      [&](Binder& b, const MetricRecord& m) {
        b.Int(job_id).Text(m.name).Text(m.filter).Double(m.value);
        if (m.stderr_value) {
          b.Double(*m.stderr_value);
        } else {
          b.Null();
        }
        b.Int(m.n).Int(m.higher_is_better ? 1 : 0);
      },
      [&](const MetricRecord& m) {
        return "metric '" + m.name + "' of job " + std::to_string(job_id);
      });
}

Result<std::vector<MetricRecord>> RunStore::GetMetrics(int64_t job_id) {
  // rowid order is the order written, so a report lists metrics as the task declared them.
  return SelectRows<MetricRecord>(db_, path_,
                                  "SELECT name, filter, value, stderr, n, higher_is_better "
                                  "FROM metrics WHERE job_id = ? ORDER BY rowid",
                                  job_id, "reading metrics",
                                  [&](sqlite3_stmt* st, MetricRecord* m) {
                                    m->name = ColText(st, 0);
                                    m->filter = ColText(st, 1);
                                    m->value = sqlite3_column_type(st, 2) == SQLITE_NULL
                                                   ? std::numeric_limits<double>::quiet_NaN()
                                                   : sqlite3_column_double(st, 2);
                                    if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
                                      m->stderr_value = sqlite3_column_double(st, 3);
                                    }
                                    m->n = sqlite3_column_int64(st, 4);
                                    m->higher_is_better = sqlite3_column_int(st, 5) != 0;
                                    return Status::Ok();
                                  });
}

// ---- Explicit transactions -----------------------------------------------------------------

Status RunStore::Begin() {
  if (in_txn_) {
    return Status::InvalidArgument("run store '" + path_ +
                                   "': a transaction is already open (nesting is not supported)");
  }
  // IMMEDIATE takes the write lock now, where busy_timeout applies, instead of failing with
  // SQLITE_BUSY when a read transaction later tries to upgrade.
  MNEMO_RETURN_IF_ERROR(Exec(read_only_ ? "BEGIN" : "BEGIN IMMEDIATE"));
  in_txn_ = true;
  return Status::Ok();
}

Status RunStore::Commit() {
  if (!in_txn_) {
    return Status::InvalidArgument("run store '" + path_ + "': Commit without Begin");
  }
  Status s = Exec("COMMIT");
  in_txn_ = sqlite3_get_autocommit(db_) == 0;  // a failed COMMIT may leave it open
  return s;
}

Status RunStore::Rollback() {
  if (!in_txn_) {
    return Status::InvalidArgument("run store '" + path_ + "': Rollback without Begin");
  }
  Status s = Exec("ROLLBACK");
  in_txn_ = sqlite3_get_autocommit(db_) == 0;
  return s;
}

}  // namespace mnemo
