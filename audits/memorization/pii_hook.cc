#include "audits/memorization/pii_hook.h"

#include <sqlite3.h>

#include "audits/memorization/probe_table.h"

namespace mnemo {
namespace memorization {
namespace {

// Stores that never ran the audit have no mem_probes table (it is made on first write).
Result<bool> HaveProbeTable(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1,
                         &st, nullptr) != SQLITE_OK)
    return Status::IoError(std::string("reading the schema: ") + sqlite3_errmsg(db));
  sqlite3_bind_text(st, 1, kProbeTables.first_table, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return Status::IoError(std::string("reading the schema: ") + sqlite3_errmsg(db));
  return rc == SQLITE_ROW;
}

}  // namespace

Result<std::vector<MemorizedContinuation>> ListMemorizedContinuations(sqlite3* db, int64_t run_id,
                                                                      int64_t job_id,
                                                                      MemorizedSelect which) {
  auto have = HaveProbeTable(db);
  if (!have.ok()) return have.status();
  if (!*have) return std::vector<MemorizedContinuation>{};
  std::string sql =
      "SELECT p.job_id, p.probe_id, p.source, p.group_json, p.output_text, p.suffix_text, "
      "p.exact, p.approx, p.trivial FROM mem_probes p JOIN jobs j ON j.id = p.job_id "
      "WHERE j.kind = 'memorization'";
  if (job_id != 0) sql += " AND p.job_id = ?1";
  if (run_id != 0) sql += " AND j.run_id = ?2";
  if (which == MemorizedSelect::kExact) sql += " AND p.exact = 1";
  if (which == MemorizedSelect::kApprox) sql += " AND (p.exact = 1 OR p.approx = 1)";
  sql += " ORDER BY p.job_id, p.probe_index";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    return Status::IoError(std::string("reading mem_probes: ") + sqlite3_errmsg(db));
  if (job_id != 0) sqlite3_bind_int64(st, 1, job_id);
  if (run_id != 0) sqlite3_bind_int64(st, 2, run_id);
  std::vector<MemorizedContinuation> out;
  auto text = [&](int col) {
    const unsigned char* t = sqlite3_column_text(st, col);
    return t == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(t),
                                      static_cast<size_t>(sqlite3_column_bytes(st, col)));
  };
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    MemorizedContinuation m;
    m.job_id = sqlite3_column_int64(st, 0);
    m.probe_id = text(1);
    m.source = text(2);
    m.group_json = text(3);
    m.output_text = text(4);
    m.suffix_text = text(5);
    m.exact = sqlite3_column_int(st, 6) != 0;
    m.approx = sqlite3_column_int(st, 7) != 0;
    m.trivial = sqlite3_column_int(st, 8) != 0;
    out.push_back(std::move(m));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return Status::IoError(std::string("reading mem_probes: ") + sqlite3_errmsg(db));
  return out;
}

Result<int64_t> LatestRunWithProbes(sqlite3* db) {
  auto have = HaveProbeTable(db);
  if (!have.ok()) return have.status();
  if (!*have) return Status::NotFound("no run in this store has memorisation probes");
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "SELECT j.run_id FROM mem_probes p JOIN jobs j ON p.job_id = j.id "
      "ORDER BY j.run_id DESC LIMIT 1";
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
    return Status::IoError(std::string("reading mem_probes: ") + sqlite3_errmsg(db));
  int rc = sqlite3_step(st);
  int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW) return id;
  if (rc == SQLITE_DONE)
    return Status::NotFound("no run in this store has memorisation probes (table mem_probes)");
  return Status::IoError(std::string("reading mem_probes: ") + sqlite3_errmsg(db));
}

}  // namespace memorization
}  // namespace mnemo
