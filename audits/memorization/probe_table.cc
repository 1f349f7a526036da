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

Result<StoredProbes> ReadStoredProbes(const RunStore& store, int64_t job_id) {
  struct Row {
    Probe probe;
    ProbeOutcome outcome;
    const char* bad = nullptr;  // the column that did not parse
  };
  auto tokens = [](const std::string& text, std::vector<int32_t>* out) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_array()) return false;
    for (const auto& t : j)
      if (!t.is_number_integer()) return false;
    *out = j.get<std::vector<int32_t>>();
    return true;
  };
  auto rows = ReadJobRows<Row>(
      store, "mem_probes",
      "SELECT probe_id, probe_index, source, group_json, prefix_tokens, suffix_tokens, "
      "output_tokens, suffix_text, output_text, exact, approx, edit_distance, pythia_score, lcp, "
      "char_similarity, trivial, duplicates FROM mem_probes WHERE job_id = ? "
      "ORDER BY probe_index, probe_id",
      job_id, [&](const SqlQuery& q) {
        Row r;
        Probe& p = r.probe;
        ProbeOutcome& o = r.outcome;
        p.id = q.Text(0);
        p.index = q.Int(1);
        p.source = q.Text(2);
        p.group = nlohmann::json::parse(q.Text(3), nullptr, false);
        if (!p.group.is_object()) r.bad = "group_json";
        if (!tokens(q.Text(4), &p.prefix)) r.bad = "prefix_tokens";
        if (!tokens(q.Text(5), &p.suffix)) r.bad = "suffix_tokens";
        if (!tokens(q.Text(6), &o.output)) r.bad = "output_tokens";
        o.suffix_text = q.Text(7);
        o.output_text = q.Text(8);
        ProbeMetrics& m = o.metrics;
        m.exact = q.Int(9) != 0;
        m.approx = q.Int(10) != 0;
        m.edit_distance = static_cast<size_t>(q.Int(11));
        m.pythia_score = q.Double(12);
        m.lcp = static_cast<size_t>(q.Int(13));
        m.char_similarity = q.Double(14);
        const bool trivial = q.Int(15) != 0;
        m.trivial.whitespace = m.trivial.repeated = m.trivial.low_entropy = trivial;
        o.duplicates = q.OptInt(16);
        return r;
      });
  if (!rows.ok()) return rows.status();
  StoredProbes out;
  out.probes.reserve(rows->size());
  out.outcomes.reserve(rows->size());
  for (auto& r : *rows) {
    if (r.bad != nullptr)
      return Status::InvalidArgument("run store '" + store.path() + "': job " +
                                     std::to_string(job_id) + ", probe '" + r.probe.id +
                                     "': mem_probes." + r.bad + " is not valid JSON of its kind");
    out.probes.push_back(std::move(r.probe));
    out.outcomes.push_back(std::move(r.outcome));
  }
  return out;
}

Result<int64_t> CountProbes(const RunStore& store, int64_t job_id) {
  auto n =
      ReadJobRows<int64_t>(store, "mem_probes", "SELECT count(*) FROM mem_probes WHERE job_id = ?",
                           job_id, [](const SqlQuery& q) { return q.Int(0); });
  if (!n.ok()) return n.status();
  return n->empty() ? 0 : n->front();
}

Result<bool> AnyProbes(const RunStore& store) {
  return TableHasRows(store, "mem_probes");
}

}  // namespace memorization
}  // namespace mnemo
