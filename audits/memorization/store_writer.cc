#include "audits/memorization/store_writer.h"

#include <sqlite3.h>

#include <cmath>

#include "audits/memorization/probe_table.h"

namespace mnemo {
namespace memorization {
namespace {

std::string TokensJson(const std::vector<int32_t>& t) {
  return nlohmann::json(t).dump();
}

Status Sql(RunStore* store, int rc, const std::string& what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  return Status::IoError("run store '" + store->path() + "': " + what + ": " +
                         sqlite3_errmsg(store->db()));
}

}  // namespace

Status WriteProbeRows(RunStore* store, int64_t job_id, const std::vector<Probe>& probes,
                      const std::vector<ProbeOutcome>& outcomes) {
  MNEMO_RETURN_IF_ERROR(EnsureOwnedTables(store, kProbeTables));
  MNEMO_RETURN_IF_ERROR(store->Begin());
  Status s = PutProbeRows(store, job_id, probes, outcomes);
  if (!s.ok()) {
    (void)store->Rollback();
    return s;
  }
  return store->Commit();
}

Status PutProbeRows(RunStore* store, int64_t job_id, const std::vector<Probe>& probes,
                    const std::vector<ProbeOutcome>& outcomes) {
  sqlite3* db = store->db();
  sqlite3_stmt* del = nullptr;
  sqlite3_stmt* ins = nullptr;
  auto fail = [&](Status s) {
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    return s;
  };
  Status s = Sql(
      store, sqlite3_prepare_v2(db, "DELETE FROM mem_probes WHERE job_id = ?", -1, &del, nullptr),
      "preparing mem_probes delete");
  if (!s.ok()) return fail(s);
  sqlite3_bind_int64(del, 1, job_id);
  s = Sql(store, sqlite3_step(del), "clearing mem_probes of job " + std::to_string(job_id));
  if (!s.ok()) return fail(s);
  s = Sql(store,
          sqlite3_prepare_v2(
              db,
              "INSERT INTO mem_probes (job_id, probe_id, probe_index, source, group_json, "
              "prefix_tokens, suffix_tokens, output_tokens, suffix_text, output_text, exact, "
              "approx, edit_distance, pythia_score, lcp, char_similarity, trivial, duplicates) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              -1, &ins, nullptr),
          "preparing mem_probes insert");
  if (!s.ok()) return fail(s);
  for (size_t i = 0; i < probes.size() && i < outcomes.size(); ++i) {
    const Probe& p = probes[i];
    const ProbeOutcome& o = outcomes[i];
    if (o.failed) continue;
    const ProbeMetrics& m = o.metrics;
    const std::string group = p.group.dump();
    const std::string pre = TokensJson(p.prefix), suf = TokensJson(p.suffix),
                      out = TokensJson(o.output);
    sqlite3_reset(ins);
    int k = 1;
    sqlite3_bind_int64(ins, k++, job_id);
    sqlite3_bind_text(ins, k++, p.id.c_str(), static_cast<int>(p.id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, k++, p.index);
    sqlite3_bind_text(ins, k++, p.source.c_str(), static_cast<int>(p.source.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, k++, group.c_str(), static_cast<int>(group.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, k++, pre.c_str(), static_cast<int>(pre.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, k++, suf.c_str(), static_cast<int>(suf.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, k++, out.c_str(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, k++, o.suffix_text.c_str(), static_cast<int>(o.suffix_text.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, k++, o.output_text.c_str(), static_cast<int>(o.output_text.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int(ins, k++, m.exact ? 1 : 0);
    sqlite3_bind_int(ins, k++, m.approx ? 1 : 0);
    sqlite3_bind_int64(ins, k++, static_cast<int64_t>(m.edit_distance));
    sqlite3_bind_double(ins, k++, m.pythia_score);
    sqlite3_bind_int64(ins, k++, static_cast<int64_t>(m.lcp));
    sqlite3_bind_double(ins, k++, m.char_similarity);
    sqlite3_bind_int(ins, k++, m.trivial.trivial() ? 1 : 0);
    if (o.duplicates) {
      sqlite3_bind_int64(ins, k++, *o.duplicates);
    } else {
      sqlite3_bind_null(ins, k++);
    }
    s = Sql(store, sqlite3_step(ins),
            "storing probe '" + p.id + "' of job " + std::to_string(job_id));
    if (!s.ok()) return fail(s);
  }
  sqlite3_finalize(del);
  sqlite3_finalize(ins);
  return Status::Ok();
}

std::vector<MetricRecord> SummaryMetrics(const std::vector<GroupSummary>& groups) {
  std::vector<MetricRecord> out;
  auto rate = [&](const std::string& name, const std::string& filter, int64_t k, int64_t n) {
    const double p = n > 0 ? static_cast<double>(k) / n : 0.0;
    std::optional<double> se;
    if (n > 0) se = std::sqrt(p * (1.0 - p) / n);
    out.push_back({name, filter, p, se, n, false});
  };
  for (const GroupSummary& g : groups) {
    rate("exact_rate", g.group, g.exact, g.n);
    rate("approx_rate", g.group, g.approx, g.n);
    const Interval e = g.exact_ci(), a = g.approx_ci();
    out.push_back({"exact_ci_low", g.group, e.low, std::nullopt, g.n, false});
    out.push_back({"exact_ci_high", g.group, e.high, std::nullopt, g.n, false});
    out.push_back({"approx_ci_low", g.group, a.low, std::nullopt, g.n, false});
    out.push_back({"approx_ci_high", g.group, a.high, std::nullopt, g.n, false});
    if (auto r = g.approx_exact_ratio())
      out.push_back({"approx_exact_ratio", g.group, *r, std::nullopt, g.n, false});
    rate("exact_rate_nontrivial", g.group, g.exact_nontrivial, g.n_nontrivial());
    rate("approx_rate_nontrivial", g.group, g.approx_nontrivial, g.n_nontrivial());
    out.push_back({"pythia_score_mean", g.group, g.pythia_mean, std::nullopt, g.n, false});
    out.push_back(
        {"char_similarity_mean", g.group, g.char_similarity_mean, std::nullopt, g.n, false});
  }
  return out;
}

}  // namespace memorization
}  // namespace mnemo
