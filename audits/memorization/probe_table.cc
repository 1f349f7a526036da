#include "audits/memorization/probe_table.h"

#include <iterator>

#include "harness/store/sql_query.h"

namespace mnemo {
namespace memorization {
namespace {

// Version 1 (the store's schema step 2 before schema 7).
constexpr const char kV1[] = R"sql(
CREATE TABLE mem_probes (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  probe_id TEXT NOT NULL,
  probe_index INTEGER NOT NULL,
  source TEXT NOT NULL,
  group_json TEXT NOT NULL,
  prefix_tokens TEXT NOT NULL,
  suffix_tokens TEXT NOT NULL,
  output_tokens TEXT NOT NULL,
  suffix_text TEXT NOT NULL,
  output_text TEXT NOT NULL,
  exact INTEGER NOT NULL,
  approx INTEGER NOT NULL,
  edit_distance INTEGER NOT NULL,
  pythia_score REAL NOT NULL,
  lcp INTEGER NOT NULL,
  char_similarity REAL NOT NULL,
  trivial INTEGER NOT NULL,
  duplicates INTEGER,
  PRIMARY KEY (job_id, probe_id)
);
)sql";

const char* const kMigrations[] = {kV1};

}  // namespace

const OwnedTables kProbeTables = {"memorization", "mem_probes", kMigrations,
                                  std::size(kMigrations)};

Result<std::vector<ProbeRow>> ListProbes(const RunStore& store, int64_t job_id) {
  return ReadJobRows<ProbeRow>(
      store, "mem_probes",
      "SELECT probe_id, probe_index, source, group_json, suffix_text, output_text, exact, approx, "
      "edit_distance, pythia_score, lcp, char_similarity, trivial, duplicates FROM mem_probes "
      "WHERE job_id = ? ORDER BY probe_index, probe_id",
      job_id, [&](const SqlQuery& q) {
        ProbeRow r;
        r.job_id = job_id;
        r.probe_id = q.Text(0);
        r.probe_index = q.Int(1);
        r.source = q.Text(2);
        r.group = nlohmann::json::parse(q.Text(3), nullptr, false);
        if (r.group.is_discarded()) r.group = nlohmann::json::object();
        r.suffix_text = q.Text(4);
        r.output_text = q.Text(5);
        r.exact = q.Int(6) != 0;
        r.approx = q.Int(7) != 0;
        r.edit_distance = q.Int(8);
        r.pythia_score = q.Double(9);
        r.lcp = q.Int(10);
        r.char_similarity = q.Double(11);
        r.trivial = q.Int(12) != 0;
        r.duplicates = q.OptInt(13);
        return r;
      });
}

Result<bool> AnyProbes(const RunStore& store) {
  return TableHasRows(store, "mem_probes");
}

}  // namespace memorization
}  // namespace mnemo
