#include "reports/model/audit_rows.h"

#include "reports/model/sql_query.h"

namespace mnemo::reports {

Result<std::vector<MemProbeRow>> LoadMemProbes(const RunStore& store, int64_t job_id) {
  SqlQuery q(store,
             "SELECT probe_id, probe_index, source, group_json, suffix_text, output_text, exact, "
             "approx, edit_distance, pythia_score, lcp, char_similarity, trivial, duplicates "
             "FROM mem_probes WHERE job_id = ? ORDER BY probe_index, probe_id");
  q.Bind(job_id);
  std::vector<MemProbeRow> out;
  while (q.Next()) {
    MemProbeRow r;
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
    out.push_back(std::move(r));
  }
  if (!q.status().ok()) return q.status();
  return out;
}

Result<std::vector<PiiFindingRow>> LoadPiiFindings(const RunStore& store, int64_t job_id) {
  SqlQuery q(store,
             "SELECT origin, doc, entity, start, \"end\", cp_start, cp_end, score, likelihood, "
             "validator, quote FROM pii_findings WHERE job_id = ? ORDER BY rowid");
  q.Bind(job_id);
  std::vector<PiiFindingRow> out;
  while (q.Next()) {
    PiiFindingRow r;
    r.job_id = job_id;
    r.origin = q.Text(0);
    r.doc = q.Text(1);
    r.entity = q.Text(2);
    r.start = q.Int(3);
    r.end = q.Int(4);
    r.cp_start = q.Int(5);
    r.cp_end = q.Int(6);
    r.score = q.Double(7);
    r.likelihood = q.Text(8);
    r.validator = q.Text(9);
    r.quote = q.Text(10);
    out.push_back(std::move(r));
  }
  if (!q.status().ok()) return q.status();
  return out;
}

Result<std::vector<DecontamItemRow>> LoadDecontamItems(const RunStore& store, int64_t job_id) {
  // doc_index arrived after the first v4 stores; read it where the column exists.
  bool has_doc_index = false;
  {
    SqlQuery q(store, "SELECT 1 FROM pragma_table_info('decontam_items') WHERE name = 'doc_index'");
    has_doc_index = q.Next();
    if (!q.status().ok()) return q.status();
  }
  SqlQuery q(store, has_doc_index ? "SELECT task, item_id, method, status, overlap, doc_index FROM "
                                    "decontam_items WHERE job_id = ? ORDER BY task, item_id"
                                  : "SELECT task, item_id, method, status, overlap, NULL FROM "
                                    "decontam_items WHERE job_id = ? ORDER BY task, item_id");
  q.Bind(job_id);
  std::vector<DecontamItemRow> out;
  while (q.Next()) {
    DecontamItemRow r;
    r.job_id = job_id;
    r.task = q.Text(0);
    r.item_id = q.Text(1);
    r.method = q.Text(2);
    r.status = q.Text(3);
    r.overlap = q.Double(4);
    r.doc_index = q.OptInt(5);
    out.push_back(std::move(r));
  }
  if (!q.status().ok()) return q.status();
  return out;
}

}  // namespace mnemo::reports
