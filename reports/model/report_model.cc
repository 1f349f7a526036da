#include "reports/model/report_model.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <tuple>

#include "audits/decontam/item_table.h"
#include "audits/memorization/probe_table.h"
#include "audits/pii/display_redaction.h"
#include "audits/pii/findings_table.h"
#include "harness/store/sql_query.h"
#include "reports/model/sample_values.h"

namespace mnemo::reports {
namespace {

std::string VersionText(const nlohmann::json& config) {
  if (!config.is_object() || !config.contains("version")) return {};
  const auto& v = config["version"];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::vector<std::string> Tags(const nlohmann::json& config) {
  std::vector<std::string> out;
  if (!config.is_object() || !config.contains("tag")) return out;
  const auto& t = config["tag"];
  if (t.is_string()) out.push_back(t.get<std::string>());
  if (t.is_array())
    for (const auto& x : t)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

Result<std::vector<SampleRecord>> FirstSamples(const RunStore& store, int64_t job_id, size_t limit,
                                               size_t* total) {
  {
    SqlQuery q(store, "SELECT COUNT(*) FROM samples WHERE job_id = ?");
    q.Bind(job_id);
    if (q.Next()) *total = static_cast<size_t>(q.Int(0));
    if (!q.status().ok()) return q.status();
  }
  SqlQuery q(store,
             "SELECT doc_id, doc_index, data_json FROM samples WHERE job_id = ? "
             "ORDER BY doc_index, doc_id LIMIT ?");
  q.Bind(job_id).Bind(limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
  std::vector<SampleRecord> out;
  while (q.Next()) {
    SampleRecord s;
    s.doc_id = q.Text(0);
    s.doc_index = q.Int(1);
    s.data = nlohmann::json::parse(q.Text(2), nullptr, false);
    if (s.data.is_discarded()) s.data = nlohmann::json::object();
    out.push_back(std::move(s));
  }
  if (!q.status().ok()) return q.status();
  return out;
}

// Size-weighted means with lm-eval's pooled standard error, over the tasks of a side that
// share a tag, for mean-aggregated metrics present in at least two of them.
void AddTagGroups(const ModelSide& side, const RunView& run, std::vector<BenchmarkRow>* rows) {
  std::map<std::string, std::set<std::string>> tag_tasks;
  for (const auto* j : run.JobsOf("task", side.model))
    for (const auto& t : Tags(j->job.config)) tag_tasks[t].insert(j->job.name);
  for (const auto& [tag, tasks] : tag_tasks) {
    if (tasks.size() < 2) continue;
    std::map<std::pair<std::string, std::string>, std::vector<const BenchmarkRow*>> by_metric;
    for (const auto& r : *rows)
      if (!r.is_group && r.label == side.label && tasks.count(r.task)) {
        const JobView* job = nullptr;
        for (const auto* j : run.JobsOf("task", side.model))
          if (j->job.name == r.task) job = j;
        if (job && AggregationForJobMetric(job->job.config, r.metric) == Aggregation::kMean)
          by_metric[{r.metric, r.filter}].push_back(&r);
      }
    std::vector<BenchmarkRow> add;
    for (const auto& [key, members] : by_metric) {
      if (members.size() < 2) continue;
      double sum = 0, n = 0, var_num = 0;
      bool have_se = true;
      for (const auto* m : members) {
        double sz = static_cast<double>(m->n);
        sum += m->value * sz;
        n += sz;
        if (!m->stderr_value)
          have_se = false;
        else
          var_num += (sz - 1) * (*m->stderr_value) * (*m->stderr_value) * sz;
      }
      if (n <= 0) continue;
      BenchmarkRow g;
      g.label = side.label;
      g.task = tag + " (tag: " + std::to_string(members.size()) + " tasks)";
      g.metric = key.first;
      g.filter = key.second;
      g.value = sum / n;
      double denom = n - static_cast<double>(members.size());
      if (have_se && denom > 0) g.stderr_value = std::sqrt(var_num / denom / n);
      g.n = static_cast<int64_t>(n);
      g.higher_is_better = members[0]->higher_is_better;
      g.aggregation = "mean";
      g.is_group = true;
      add.push_back(std::move(g));
    }
    rows->insert(rows->end(), add.begin(), add.end());
  }
}

// The metric an interval bound "<x>_ci_low" / "<x>_ci_high" belongs to: "<x>_rate" when the
// job has it, else "<x>"; "" when `name` is no bound or neither metric exists.
std::string BoundOwner(const std::string& name, const std::set<std::string>& names, bool* low) {
  for (const char* suffix : {"_ci_low", "_ci_high"}) {
    std::string sfx = suffix;
    if (name.size() <= sfx.size() || name.compare(name.size() - sfx.size(), sfx.size(), sfx) != 0)
      continue;
    *low = sfx == "_ci_low";
    std::string base = name.substr(0, name.size() - sfx.size());
    if (names.count(base + "_rate")) return base + "_rate";
    if (names.count(base)) return base;
  }
  return "";
}

void AddAuditMetrics(const std::string& label, const std::vector<MetricRecord>& metrics,
                     AuditTable* t) {
  std::set<std::string> names;
  for (const auto& mr : metrics) names.insert(mr.name);
  auto row_of = [&](const std::string& filter) -> AuditTable::Row& {
    for (auto& r : t->rows)
      if (r.label == label && r.filter == filter) return r;
    t->rows.push_back({label, filter, 0, {}});
    return t->rows.back();
  };
  for (const auto& mr : metrics) {
    bool low = false;
    if (!BoundOwner(mr.name, names, &low).empty()) continue;
    if (std::find(t->metrics.begin(), t->metrics.end(), mr.name) == t->metrics.end())
      t->metrics.push_back(mr.name);
    AuditTable::Row& r = row_of(mr.filter);
    r.n = std::max(r.n, mr.n);
    r.cells[mr.name].value = mr.value;
    r.cells[mr.name].stderr_value = mr.stderr_value;
  }
  for (const auto& mr : metrics) {
    bool low = false;
    std::string owner = BoundOwner(mr.name, names, &low);
    if (owner.empty()) continue;
    AuditTable::Cell& c = row_of(mr.filter).cells[owner];
    if (!c.ci) c.ci = Interval{std::nan(""), std::nan("")};
    (low ? c.ci->low : c.ci->high) = mr.value;
  }
}

// The row's interval (BenchmarkRow::ci): a 0/1 mean's sample stderr is sqrt(p(1-p)/(n-1))
// exactly, which identifies a proportion without its samples.
void SetInterval(BenchmarkRow* r) {
  if (!r->stderr_value || !std::isfinite(r->value) || !std::isfinite(*r->stderr_value)) return;
  const double p = r->value, se = *r->stderr_value;
  if (!r->is_group && r->aggregation == "mean" && r->n >= 2 && p >= 0 && p <= 1) {
    const double binary_se = std::sqrt(p * (1 - p) / static_cast<double>(r->n - 1));
    const double k = p * static_cast<double>(r->n);
    if (std::fabs(se - binary_se) <= 1e-9 * std::max(1.0, se) &&
        std::fabs(k - std::round(k)) < 1e-6) {
      r->ci = WilsonInterval(static_cast<int64_t>(std::llround(k)), r->n);
      r->wilson = true;
      return;
    }
  }
  r->ci = NormalInterval(p, se);
}

double MeanOf(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

}  // namespace

std::string DupBucketName(const MemDupPoint& p) {
  if (p.duplication_hi <= p.duplication) return std::to_string(p.duplication);
  return std::to_string(p.duplication) + "–" + std::to_string(p.duplication_hi);
}

Result<ReportModel> BuildReportModel(RunStore* store, const ReportOptions& options) {
  ReportModel m;
  m.db_path = store->path();
  m.redacted = options.redact_pii;
  for (int64_t id : options.run_ids) {
    auto v = LoadRunView(store, id);
    if (!v.ok()) return v.status();
    m.runs.push_back(std::move(v).value());
  }
  bool several = m.runs.size() > 1;
  for (const auto& run : m.runs) {
    for (const auto& name : run.model_names) {
      ModelSide s;
      s.run_id = run.run.id;
      s.model = name;
      s.label = several ? name + " (run " + std::to_string(run.run.id) + ")" : name;
      for (const auto& j : run.jobs)
        if (j.model_name == name) s.record = run.ModelOf(j);
      m.sides.push_back(std::move(s));
    }
  }
  auto run_of = [&](int64_t id) -> const RunView& {
    for (const auto& r : m.runs)
      if (r.run.id == id) return r;
    return m.runs.front();
  };

  // Benchmarks and samples.
  for (const auto& side : m.sides) {
    const RunView& run = run_of(side.run_id);
    for (const auto* j : run.JobsOf("task", side.model)) {
      auto metrics = store->GetMetrics(j->job.id);
      if (!metrics.ok()) return metrics.status();
      for (const auto& mr : *metrics) {
        BenchmarkRow r;
        r.label = side.label;
        r.task = j->job.name;
        r.metric = mr.name;
        r.filter = mr.filter;
        r.value = mr.value;
        r.stderr_value = mr.stderr_value;
        r.n = mr.n;
        r.higher_is_better = mr.higher_is_better;
        r.version = VersionText(j->job.config);
        if (j->job.config.is_object() && j->job.config.contains("num_fewshot") &&
            j->job.config["num_fewshot"].is_number_integer())
          r.num_fewshot = j->job.config["num_fewshot"].get<int64_t>();
        auto agg = AggregationForJobMetric(j->job.config, mr.name);
        r.aggregation = agg ? AggregationName(*agg) : "";
        m.benchmark.push_back(std::move(r));
      }
      size_t total = 0;
      auto samples = FirstSamples(*store, j->job.id, options.max_sample_rows, &total);
      if (!samples.ok()) return samples.status();
      m.samples_total += total;
      for (const auto& s : *samples)
        m.samples.push_back(SummarizeSample(s, side.label, j->job.name));
    }
    AddTagGroups(side, run, &m.benchmark);
  }
  for (auto& r : m.benchmark) SetInterval(&r);

  // Audit jobs' own metrics, one table per (kind, job name); long-context jobs have sections.
  for (const auto& run : m.runs) {
    for (const auto& j : run.jobs) {
      if (j.job.kind == "task") continue;
      std::string label = j.model_name;
      if (several && !label.empty()) label += " (run " + std::to_string(run.run.id) + ")";
      const bool longctx = j.job.kind == "long_context" || j.job.kind == "perplexity";
      if (longctx) {
        auto mem = BuildKvMemoryView(label, j.job);
        if (mem) m.memory.push_back(std::move(*mem));
      }
      auto metrics = store->GetMetrics(j.job.id);
      if (!metrics.ok()) return metrics.status();
      if (metrics->empty()) continue;
      if (j.job.kind == "long_context") {
        m.long_context.push_back(BuildLongContextView(label, j.job, *metrics));
        continue;
      }
      if (j.job.kind == "perplexity") {
        m.perplexity.push_back(BuildPerplexityView(label, j.job, run.ModelOf(j), *metrics));
        continue;
      }
      AuditTable* t = nullptr;
      for (auto& x : m.audit_tables)
        if (x.kind == j.job.kind && x.job == j.job.name) t = &x;
      if (t == nullptr) {
        m.audit_tables.push_back({j.job.kind, j.job.name, {}, {}});
        t = &m.audit_tables.back();
      }
      AddAuditMetrics(label, *metrics, t);
    }
  }

  // PII findings (also used to redact memorised examples).
  std::vector<pii::FindingRow> pii;
  auto has_pii = pii::AnyFindings(*store);
  if (!has_pii.ok()) return has_pii.status();
  if (*has_pii) {
    for (const auto& run : m.runs)
      for (const auto& j : run.jobs) {
        auto rows = pii::ListFindings(*store, j.job.id);
        if (!rows.ok()) return rows.status();
        pii.insert(pii.end(), rows->begin(), rows->end());
      }
    using Key = std::tuple<std::string, std::string, std::string>;  // origin, model, entity
    std::map<Key, PiiEntityRow> by;
    std::map<Key, std::set<std::string>> docs;
    for (const auto& f : pii) {
      const Key key{f.origin, f.model, f.entity};
      auto& e = by[key];
      e.origin = f.origin;
      e.model = f.model;
      e.entity = f.entity;
      e.findings++;
      e.mean_score += f.score;
      e.by_likelihood[f.likelihood]++;
      if (e.example_quote.empty()) e.example_quote = f.quote;
      docs[key].insert(f.doc);
    }
    for (auto& [k, e] : by) {
      e.mean_score /= static_cast<double>(e.findings);
      e.docs = static_cast<int64_t>(docs[k].size());
      m.pii.push_back(e);
    }
    std::sort(m.pii.begin(), m.pii.end(), [](const PiiEntityRow& a, const PiiEntityRow& b) {
      return a.findings != b.findings ? a.findings > b.findings : a.entity < b.entity;
    });
  }

  // Memorisation.
  auto has_mem = memorization::AnyProbes(*store);
  if (!has_mem.ok()) return has_mem.status();
  if (*has_mem) {
    std::vector<std::pair<std::string, memorization::ProbeRow>> all;
    bool any_dup = false, any_repeats = false;
    for (const auto& side : m.sides) {
      const RunView& run = run_of(side.run_id);
      for (const auto* j : run.JobsOf("memorization", side.model)) {
        auto rows = memorization::ListProbes(*store, j->job.id);
        if (!rows.ok()) return rows.status();
        for (auto& p : *rows) {
          any_dup |= p.duplicates.has_value();
          any_repeats |= p.group.is_object() && p.group.contains("repeats") &&
                         p.group["repeats"].is_number_integer();
          all.emplace_back(side.label, std::move(p));
        }
      }
    }
    m.mem_dup_axis = any_dup ? "duplicates in the corpus" : any_repeats ? "repeats" : "";
    using Key = std::pair<std::string, std::string>;  // label, source
    std::map<Key, MemModelSummary> sums;
    std::map<std::tuple<std::string, std::string, int64_t>, MemDupPoint> dups;
    for (const auto& [label, p] : all) {
      auto& s = sums[{label, p.source}];
      s.label = label;
      s.source = p.source;
      s.n++;
      s.exact += p.exact;
      s.approx += p.approx;
      s.trivial += p.trivial;
      if (!p.trivial) {
        s.n_nontrivial++;
        s.exact_nontrivial += p.exact;
        s.approx_nontrivial += p.approx;
      }
      std::optional<int64_t> x;
      if (any_dup)
        x = p.duplicates;
      else if (any_repeats && p.group.contains("repeats") && p.group["repeats"].is_number_integer())
        x = p.group["repeats"].get<int64_t>();
      if (x) {
        auto& d = dups[{label, p.source, *x}];
        d.label = label;
        d.source = p.source;
        d.duplication = *x;
        d.n++;
        d.exact += p.exact;
        d.approx += p.approx;
      }
    }
    // Sources in first-seen order, then models in side order within each.
    std::vector<std::string> sources;
    for (const auto& e : all)
      if (std::find(sources.begin(), sources.end(), e.second.source) == sources.end())
        sources.push_back(e.second.source);
    for (const auto& source : sources)
      for (const auto& side : m.sides) {
        auto it = sums.find({side.label, source});
        if (it == sums.end()) continue;
        it->second.exact_ci = WilsonInterval(it->second.exact, it->second.n);
        it->second.approx_ci = WilsonInterval(it->second.approx, it->second.n);
        m.mem.push_back(it->second);
      }
    // Bucket a source's counts in powers of two when it has too many distinct ones.
    std::map<std::string, std::set<int64_t>> distinct;
    for (const auto& [k, d] : dups) distinct[d.source].insert(d.duplication);
    std::map<std::tuple<std::string, std::string, int64_t>, MemDupPoint> buckets;
    for (const auto& [k, d] : dups) {
      int64_t lo = d.duplication, hi = d.duplication;
      if (distinct[d.source].size() > kMaxDupBuckets && d.duplication >= 1) {
        lo = int64_t{1} << static_cast<int>(
                 std::floor(std::log2(static_cast<double>(d.duplication))));
        hi = 2 * lo - 1;
      }
      auto& b = buckets[{d.label, d.source, lo}];
      b.label = d.label;
      b.source = d.source;
      b.duplication = lo;
      b.duplication_hi = hi;
      b.n += d.n;
      b.exact += d.exact;
      b.approx += d.approx;
    }
    for (auto& [k, d] : buckets) {
      d.exact_ci = WilsonInterval(d.exact, d.n);
      d.approx_ci = WilsonInterval(d.approx, d.n);
      m.mem_dup.push_back(d);
    }
    // Examples: exact matches first, then approximate, round-robin over models.
    std::vector<const std::pair<std::string, memorization::ProbeRow>*> picks;
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& e : all)
        if (pass == 0 ? e.second.exact : (e.second.approx && !e.second.exact)) picks.push_back(&e);
    std::unique_ptr<pii::DisplayRedactor> redactor;
    if (options.redact_pii) {
      auto r = pii::DisplayRedactor::Create();
      if (!r.ok()) return r.status();
      redactor = std::move(*r);
    }
    for (const auto* e : picks) {
      if (m.mem_examples.size() >= options.max_mem_examples) break;
      MemExample ex;
      ex.label = e->first;
      ex.probe_id = e->second.probe_id;
      ex.source = e->second.source;
      ex.exact = e->second.exact;
      ex.edit_distance = e->second.edit_distance;
      ex.duplicates = e->second.duplicates;
      if (redactor != nullptr) {
        // Both sides in one call: the same rules, and shared labels (display_redaction.h).
        auto red = redactor->Redact({e->second.suffix_text, e->second.output_text});
        ex.truth = std::move(red[0]);
        ex.output = std::move(red[1]);
      } else {
        ex.output = e->second.output_text;
        ex.truth = e->second.suffix_text;
      }
      m.mem_examples.push_back(std::move(ex));
    }
  }

  // Decontamination: per task and method, and clean-vs-all scores of the task jobs.
  auto has_dc = decontam::AnyItems(*store);
  if (!has_dc.ok()) return has_dc.status();
  if (*has_dc) {
    std::map<std::pair<std::string, std::string>, std::vector<decontam::ItemRow>> items;
    for (const auto& run : m.runs)
      for (const auto& j : run.jobs) {
        auto rows = decontam::ListItems(*store, j.job.id);
        if (!rows.ok()) return rows.status();
        for (auto& r : *rows) items[{r.task, r.method}].push_back(std::move(r));
      }
    for (const auto& [key, rows] : items) {
      DecontamRow d;
      d.task = key.first;
      d.method = key.second;
      std::set<std::string> clean_ids;
      for (const auto& r : rows) {
        d.items++;
        d.dirty += r.status == "dirty";
        if (r.status == "clean") {
          d.clean++;
          clean_ids.insert(r.item_id);
          if (r.doc_index) clean_ids.insert(std::to_string(*r.doc_index));
        }
        d.mean_overlap += r.overlap;
      }
      if (d.items) d.mean_overlap /= static_cast<double>(d.items);
      m.decontam.push_back(d);
      for (const auto& side : m.sides) {
        const RunView& run = run_of(side.run_id);
        for (const auto* j : run.JobsOf("task", side.model)) {
          if (j->job.name != d.task) continue;
          auto metrics = store->GetMetrics(j->job.id);
          if (!metrics.ok()) return metrics.status();
          auto samples = store->GetSamples(j->job.id);
          if (!samples.ok()) return samples.status();
          for (const auto& mr : *metrics) {
            if (AggregationForJobMetric(j->job.config, mr.name) != Aggregation::kMean) continue;
            std::vector<double> all_v, clean_v;
            for (const auto& s : *samples) {
              if (s.data.value("filter", std::string("none")) != mr.filter) continue;
              auto v = SampleValueOf(s.data, mr.name, Aggregation::kMean);
              if (!v) continue;
              all_v.push_back(v->x);
              std::string idx = std::to_string(s.doc_index);
              std::string head = s.doc_id.substr(0, s.doc_id.find(':'));
              if (clean_ids.count(idx) || clean_ids.count(s.doc_id) || clean_ids.count(head))
                clean_v.push_back(v->x);
            }
            DecontamScoreRow sr;
            sr.task = d.task;
            sr.method = d.method;
            sr.label = side.label;
            sr.metric = mr.name;
            sr.filter = mr.filter;
            sr.all = MeanOf(all_v);
            sr.clean = MeanOf(clean_v);
            sr.n_all = static_cast<int64_t>(all_v.size());
            sr.n_clean = static_cast<int64_t>(clean_v.size());
            m.decontam_scores.push_back(std::move(sr));
          }
        }
      }
    }
  }
  return m;
}

}  // namespace mnemo::reports
