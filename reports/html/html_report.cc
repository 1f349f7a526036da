#include "reports/html/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "reports/html/html_escape.h"
#include "reports/html/longctx_section.h"
#include "reports/html/report_assets.h"
#include "reports/html/svg_chart.h"
#include "reports/html/text_diff.h"
#include "tasks/stats/intervals.h"

namespace mnemo::reports {
namespace {

std::string E(const std::string& s) {
  return HtmlEscape(s);
}

std::string Exact(double v) {
  return std::isfinite(v) ? fmt::format("{:.17g}", v) : "NaN";
}

// A numeric cell: rounded text, exact value for sorting and for tests.
std::string NumCell(double v, int digits = 4) {
  if (!std::isfinite(v)) return "<td class=\"num\" data-sort=\"\" data-value=\"NaN\">NaN</td>";
  return fmt::format("<td class=\"num\" data-sort=\"{0}\" data-value=\"{0}\">{1:.{2}f}</td>",
                     Exact(v), v, digits);
}

std::string OptNumCell(const std::optional<double>& v, int digits = 4) {
  if (!v) return "<td class=\"num\" data-sort=\"\">N/A</td>";
  return NumCell(*v, digits);
}

std::string IntCell(int64_t v) {
  return fmt::format("<td class=\"num\" data-sort=\"{0}\" data-value=\"{0}\">{0}</td>", v);
}

std::string TextCell(const std::string& s, const char* cls = nullptr) {
  return cls ? fmt::format("<td class=\"{}\">{}</td>", cls, E(s)) : "<td>" + E(s) + "</td>";
}

std::string Th(const std::string& label, bool num = false) {
  return num ? "<th class=\"num\" data-type=\"num\">" + E(label) + "</th>"
             : "<th>" + E(label) + "</th>";
}

// Seconds between two ISO 8601 UTC timestamps; negative when unparsable.
double Seconds(const std::string& a, const std::string& b) {
  auto parse = [](const std::string& s, double* out) {
    std::tm tm{};
    double frac = 0;
    int y, mo, d, h, mi;
    double sec;
    if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) != 6) return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = static_cast<int>(sec);
    frac = sec - tm.tm_sec;
    *out = static_cast<double>(timegm(&tm)) + frac;
    return true;
  };
  double x, y;
  if (!parse(a, &x) || !parse(b, &y)) return -1;
  return y - x;
}

std::string Duration(double s) {
  if (s < 0) return "–";
  if (s < 120) return fmt::format("{:.1f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  return fmt::format("{:.2f} h", s / 3600);
}

std::string JsonText(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// How the backend computed for a model of a run (run_models), as "key value; ..." text that
// wraps in its cell.
std::string RuntimeText(const RunView& rv, const std::string& model) {
  auto it = rv.runtimes.find(model);
  if (it == rv.runtimes.end()) return "not recorded";
  if (it->second.is_null()) return "not stated";
  return RuntimeSummary(it->second);
}

// A rate and its interval in percent, "66.4% [58.3, 73.7]", with the exact rate in
// data-value and k of n in the tooltip.
std::string PercentCell(int64_t k, int64_t n, const Interval& ci) {
  if (n == 0) return "<td class=\"num\">–</td>";
  double r = static_cast<double>(k) / n;
  return fmt::format(
      "<td class=\"num\" data-value=\"{}\" data-low=\"{}\" data-high=\"{}\" title=\"{} of {}\">"
      "{:.1f}% <span class=\"ci\">[{:.1f}, {:.1f}]</span></td>",
      Exact(r), Exact(ci.low), Exact(ci.high), k, n, 100 * r, 100 * ci.low, 100 * ci.high);
}

std::string Signed(double v, int digits = 3) {
  return fmt::format("{:+.{}f}", v, digits);
}

bool IsAuditRow(const ComparisonRow& r) {
  return r.task.rfind("memorization:", 0) == 0 || r.task.rfind("decontam:", 0) == 0;
}

// Card 1: the gate's verdict and the rows that decide it.
void VerdictCard(const Comparison* c, std::string* out) {
  *out += "<div class=\"card\" id=\"verdict\"><h2>Did the candidate regress?</h2>";
  if (c == nullptr) {
    *out +=
        "<p class=\"note\">Nothing to compare: the selected runs hold one model. A run of two "
        "models, or <code>mnemo report --runs A,B</code>, adds the comparison.</p></div>";
    return;
  }
  std::string base = c->rows.empty() ? c->spec.base_model : c->rows[0].base_model;
  std::string cand = c->rows.empty() ? c->spec.candidate_model : c->rows[0].candidate_model;
  *out += fmt::format(
      "<p class=\"verdict-line\"><span class=\"badge big {}\" id=\"verdict-badge\" "
      "data-regressions=\"{}\">{}</span> <b>{}</b> (run {}) against base <b>{}</b> (run {}); "
      "{} improvement(s).</p>",
      c->regressions ? "bad" : "good", c->regressions,
      c->regressions ? fmt::format("{} regression(s)", c->regressions) : "no regression", E(cand),
      c->spec.candidate_run, E(base), c->spec.base_run, c->improvements);
  // One line per (task, metric, verdict): the overall group ("all" / "none") stands for the
  // others, which are named beside it.
  struct Line {
    const ComparisonRow* head = nullptr;
    std::vector<std::string> others;
  };
  std::vector<Line> lines;
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& r : c->rows) {
      if (!(pass == 0 ? r.regression : r.improvement)) continue;
      Line* line = nullptr;
      for (auto& l : lines)
        if (l.head->task == r.task && l.head->metric == r.metric &&
            l.head->regression == r.regression)
          line = &l;
      if (line == nullptr) {
        lines.push_back({&r, {}});
        continue;
      }
      bool overall = r.filter == "all" || r.filter == "none";
      if (overall) {
        line->others.insert(line->others.begin(), line->head->filter);
        line->head = &r;
      } else {
        line->others.push_back(r.filter);
      }
    }
  if (!lines.empty()) {
    *out +=
        "<table class=\"compact\"><thead><tr><th>task · metric</th><th class=\"num\">base</th>"
        "<th class=\"num\">candidate</th><th class=\"num\">Δ</th><th class=\"num\">p</th></tr>"
        "</thead><tbody>";
    const size_t limit = 6;
    for (size_t i = 0; i < lines.size() && i < limit; ++i) {
      const ComparisonRow& r = *lines[i].head;
      std::string task = r.task;
      if (task.rfind("memorization:", 0) == 0) task = task.substr(13) + " (memorisation)";
      if (task.rfind("decontam:", 0) == 0) task = task.substr(9) + " (contamination)";
      std::string group = r.filter == "none" || r.filter.empty() ? "" : r.filter;
      std::string others;
      for (const auto& o : lines[i].others) others += (others.empty() ? "" : ", ") + o;
      *out += fmt::format(
          "<tr class=\"{}\" data-task=\"{}\" data-metric=\"{}\" data-filter=\"{}\"><td>{} · {}{}{}"
          "{}</td>",
          r.regression ? "regression" : "improvement", E(r.task), E(r.metric), E(r.filter), E(task),
          E(r.metric), r.higher_is_better ? " ↑" : " ↓",
          group.empty() ? "" : " <span class=\"note\">" + E(group) + "</span>",
          others.empty() ? ""
                         : fmt::format(" <span class=\"note\" title=\"{}\">+{} group(s)</span>",
                                       E(others), lines[i].others.size()));
      *out += NumCell(r.base_value, 3) + NumCell(r.candidate_value, 3) +
              fmt::format("<td class=\"num\">{}</td>", Signed(r.delta)) +
              fmt::format("<td class=\"num\" title=\"{}\">{:.2g}</td>", E(r.test.method),
                          r.test.p_value) +
              "</tr>";
    }
    *out += "</tbody></table>";
    if (lines.size() > limit)
      *out +=
          fmt::format("<p class=\"note\">{} more in <a href=\"#comparison\">Comparison</a>.</p>",
                      lines.size() - limit);
  }
  int audit = 0;
  for (const auto& r : c->rows) audit += r.regression && IsAuditRow(r);
  *out += fmt::format(
      "<p class=\"note\">A regression: worse by more than {} with p &lt; {} in a paired test; {} "
      "of the regressions are audits (memorisation, contamination). <a href=\"#comparison\">All "
      "{} compared rows</a>.</p></div>",
      c->spec.threshold, c->spec.alpha, audit, c->rows.size());
}

// Card 2: exact memorisation rate per source and duplication bucket, one column per model.
void MemorisationCard(const ReportModel& m, std::string* out) {
  *out += "<div class=\"card\" id=\"mem-summary\"><h2>Did it memorise more?</h2>";
  if (m.mem.empty()) {
    *out += "<p class=\"note\">No memorisation audit in the selected runs.</p></div>";
    return;
  }
  std::vector<std::string> labels, sources;
  for (const auto& s : m.mem) {
    if (std::find(labels.begin(), labels.end(), s.label) == labels.end()) labels.push_back(s.label);
    if (std::find(sources.begin(), sources.end(), s.source) == sources.end())
      sources.push_back(s.source);
  }
  *out += "<table class=\"compact\" id=\"mem-summary-table\"><thead><tr><th>source · " +
          E(m.mem_dup_axis.empty() ? std::string("group") : m.mem_dup_axis) +
          "</th><th class=\"num\">n</th>";
  for (const auto& l : labels) *out += "<th class=\"num\">" + E(l) + "</th>";
  *out += "</tr></thead><tbody>";
  bool any_few = false;
  std::vector<std::string> bucketed_elsewhere;
  auto row = [&](const std::string& source, const std::string& group, int64_t n_shown,
                 const std::vector<const MemDupPoint*>& cells, bool few) {
    *out += fmt::format(
        "<tr class=\"mem-sum-row{}\" data-source=\"{}\" data-group=\"{}\"><td>{}{}{}"
        "</td>",
        few ? " few" : "", E(source), E(group), E(source), group.empty() ? "" : " · " + E(group),
        few ? " <span title=\"fewer than " + std::to_string(kFewProbes) + " probes\">†</span>"
            : "");
    *out += IntCell(n_shown);
    for (const auto* p : cells)
      *out += p ? PercentCell(p->exact, p->n, p->exact_ci) : "<td class=\"num\">–</td>";
    *out += "</tr>";
  };
  for (const auto& source : sources) {
    std::vector<const MemDupPoint*> all_cells;
    std::vector<MemDupPoint> holders;
    holders.reserve(labels.size());
    int64_t n_all = 0;
    for (const auto& l : labels) {
      const MemModelSummary* s = nullptr;
      for (const auto& x : m.mem)
        if (x.label == l && x.source == source) s = &x;
      if (s == nullptr) {
        all_cells.push_back(nullptr);
        continue;
      }
      holders.push_back({l, source, 0, 0, s->n, s->exact, s->approx, s->exact_ci, s->approx_ci});
      all_cells.push_back(&holders.back());
      n_all = std::max(n_all, s->n);
    }
    row(source, "all", n_all, all_cells, n_all < kFewProbes);
    any_few |= n_all < kFewProbes;
    // Buckets only where every one rests on enough probes (a planted design such as the
    // canaries'); sampled windows' sparse buckets stay in the details' chart.
    std::set<int64_t> xs;
    bool sparse = false;
    for (const auto& d : m.mem_dup)
      if (d.source == source) {
        xs.insert(d.duplication);
        sparse |= d.n < kFewProbes;
      }
    if (sparse) {
      bucketed_elsewhere.push_back(source);
      xs.clear();
    }
    for (int64_t x : xs) {
      std::vector<const MemDupPoint*> cells;
      int64_t n = 0;
      for (const auto& l : labels) {
        const MemDupPoint* p = nullptr;
        for (const auto& d : m.mem_dup)
          if (d.label == l && d.source == source && d.duplication == x) p = &d;
        cells.push_back(p);
        if (p) n = std::max(n, p->n);
      }
      std::string name =
          cells.empty() || cells[0] == nullptr ? std::to_string(x) : DupBucketName(*cells[0]);
      row(source, (m.mem_dup_axis == "repeats" ? "repeats " : "duplicates ") + name, n, cells,
          n < kFewProbes);
      any_few |= n < kFewProbes;
    }
  }
  std::string elsewhere;
  for (const auto& s : bucketed_elsewhere) elsewhere += (elsewhere.empty() ? "" : ", ") + E(s);
  *out +=
      "</tbody></table><p class=\"note\">Exact-match rate of the greedy continuation, Wilson "
      "95% interval." +
      std::string(any_few ? " † fewer than " + std::to_string(kFewProbes) +
                                " probes: the interval is wide."
                          : "") +
      (elsewhere.empty()
           ? std::string()
           : " By duplication for " + elsewhere + " (buckets of few probes): in the details.") +
      " <a href=\"#memorization\">Details</a>.</p></div>";
}

// Card 3: dirty share per benchmark and the clean-subset delta.
void ContaminationCard(const ReportModel& m, std::string* out) {
  *out +=
      "<div class=\"card\" id=\"contamination-summary\"><h2>Which benchmarks are "
      "contaminated?</h2>";
  if (m.decontam.empty()) {
    *out += "<p class=\"note\">No decontamination audit in the selected runs.</p></div>";
    return;
  }
  std::vector<const DecontamRow*> rows;
  for (const auto& d : m.decontam) rows.push_back(&d);
  std::stable_sort(rows.begin(), rows.end(), [](const DecontamRow* a, const DecontamRow* b) {
    return a->dirty_share() > b->dirty_share();
  });
  *out +=
      "<table class=\"compact\" id=\"contamination-summary-table\"><thead><tr><th>task "
      "(method)</th><th class=\"num\">dirty</th><th class=\"num\">share</th><th>clean − all "
      "(first metric per model)</th></tr></thead><tbody>";
  for (const auto* d : rows) {
    std::string deltas;
    std::set<std::string> seen;
    for (const auto& s : m.decontam_scores) {
      if (s.task != d->task || s.method != d->method || seen.count(s.label)) continue;
      seen.insert(s.label);
      if (!std::isfinite(s.all) || !std::isfinite(s.clean)) continue;
      deltas += (deltas.empty() ? "" : "; ") +
                fmt::format("{} {} {}", s.label, s.metric, Signed(s.clean - s.all));
    }
    *out += fmt::format(
        "<tr class=\"{}\" data-task=\"{}\" data-method=\"{}\"><td>{} ({})</td><td class=\"num\">"
        "{} / {}</td>",
        d->dirty ? "dirty" : "", E(d->task), E(d->method), E(d->task), E(d->method), d->dirty,
        d->items);
    *out += NumCell(d->dirty_share(), 3) + TextCell(deltas.empty() ? "–" : deltas) + "</tr>";
  }
  *out +=
      "</tbody></table><p class=\"note\">Dirty: the item shares n-grams with the training "
      "corpus. <a href=\"#decontamination\">Details</a>.</p></div>";
}

// Card 4: personal data in memorised outputs, by entity and model; corpus scans apart.
void PiiCard(const ReportModel& m, std::string* out) {
  *out += "<div class=\"card\" id=\"pii-summary\"><h2>What personal data leaked?</h2>";
  if (m.pii.empty()) {
    *out += "<p class=\"note\">No PII findings in the selected runs (or no PII scan).</p></div>";
    return;
  }
  std::vector<std::string> cols, entities;
  std::map<std::pair<std::string, std::string>, int64_t> count;
  // Every model whose memorised outputs were scanned gets a column, also with no finding.
  bool scanned_outputs = false;
  for (const auto& p : m.pii) scanned_outputs |= p.origin == "mem_probes" && !p.model.empty();
  if (scanned_outputs)
    for (const auto& s : m.mem)
      if (std::find(cols.begin(), cols.end(), s.label) == cols.end()) cols.push_back(s.label);
  for (const auto& p : m.pii) {
    bool memorised = p.origin == "mem_probes";
    std::string col = memorised ? (p.model.empty() ? "memorised" : p.model) : "corpus scans";
    if (std::find(cols.begin(), cols.end(), col) == cols.end()) cols.push_back(col);
    if (std::find(entities.begin(), entities.end(), p.entity) == entities.end())
      entities.push_back(p.entity);
    count[{p.entity, col}] += p.findings;
  }
  // Memorised outputs first (the leak), corpus scans last.
  std::stable_partition(cols.begin(), cols.end(),
                        [](const std::string& c) { return c != "corpus scans"; });
  *out += "<table class=\"compact\" id=\"pii-summary-table\"><thead><tr><th>entity</th>";
  for (const auto& c : cols) *out += "<th class=\"num\">" + E(c) + "</th>";
  *out += "</tr></thead><tbody>";
  for (const auto& e : entities) {
    *out += "<tr data-entity=\"" + E(e) + "\">" + TextCell(e);
    for (const auto& c : cols) {
      auto it = count.find({e, c});
      *out += it == count.end() ? "<td class=\"num\">0</td>" : IntCell(it->second);
    }
    *out += "</tr>";
  }
  *out +=
      "</tbody></table><p class=\"note\">Findings in the models' memorised continuations "
      "(per model) and in scanned corpora. <a href=\"#pii\">Details</a>.</p></div>";
}

void SummarySection(const ReportModel& m, const Comparison* c, std::string* out) {
  *out += "<section id=\"summary\" class=\"summary\">";
  VerdictCard(c, out);
  MemorisationCard(m, out);
  ContaminationCard(m, out);
  PiiCard(m, out);
  *out += "</section>";
}

void RunsSection(const ReportModel& m, std::string* out) {
  *out += "<section id=\"runs\"><h2>Runs</h2>";
  for (const auto& rv : m.runs) {
    const RunRecord& r = rv.run;
    *out += fmt::format(
        "<details class=\"run\"><summary><h3>Run {} · {} · {} · {} jobs</h3></summary>"
        "<dl class=\"kv\" data-run=\"{}\">",
        r.id, E(r.name), E(rv.state.empty() ? r.status : rv.state), rv.jobs.size(), r.id);
    auto kv = [&](const std::string& k, const std::string& v) {
      *out += "<dt>" + E(k) + "</dt><dd>" + E(v) + "</dd>";
    };
    kv("status", r.status);
    kv("mnemo version", r.mnemo_version);
    kv("host", r.host);
    kv("seed", std::to_string(r.seed));
    kv("started", r.started_at);
    kv("finished", r.finished_at.empty() ? "(not finished)" : r.finished_at);
    kv("duration", r.finished_at.empty() ? "–" : Duration(Seconds(r.started_at, r.finished_at)));
    *out += "</dl>";
    // Models of this run.
    *out +=
        "<div class=\"table-wrap\"><table class=\"models\"><thead><tr><th>model</th><th>backend"
        "</th><th>backend version</th><th>path</th><th>fingerprint</th><th class=\"num\">n_ctx"
        "</th><th class=\"num\">n_vocab</th><th>runtime</th></tr></thead><tbody>";
    for (const auto& side : m.sides) {
      if (side.run_id != r.id || side.record == nullptr) continue;
      const ModelRecord& mr = *side.record;
      auto info_num = [&](const char* k) {
        return mr.info.is_object() && mr.info.contains(k) ? JsonText(mr.info[k]) : "";
      };
      *out += "<tr>" + TextCell(side.label) + TextCell(mr.backend) + TextCell(mr.backend_version) +
              TextCell(mr.path) + TextCell(mr.fingerprint) + TextCell(info_num("n_ctx"), "num") +
              TextCell(info_num("n_vocab"), "num") + TextCell(RuntimeText(rv, side.model)) +
              "</tr>";
    }
    *out += "</tbody></table></div>";
    // Jobs of this run.
    *out += "<div class=\"table-wrap\"><table class=\"jobs sortable\"><thead><tr>" + Th("model") +
            Th("kind") + Th("job") + Th("version") + Th("few-shot", true) + Th("limit", true) +
            Th("status") + Th("requests", true) + Th("cached", true) + Th("duration") +
            "</tr></thead><tbody>";
    for (const auto& j : rv.jobs) {
      const nlohmann::json& c = j.job.config;
      auto field = [&](const char* k) {
        return c.is_object() && c.contains(k) ? JsonText(c[k]) : std::string();
      };
      *out += "<tr>" + TextCell(j.model_name) + TextCell(j.job.kind) + TextCell(j.job.name) +
              TextCell(field("version")) + TextCell(field("num_fewshot"), "num") +
              TextCell(field("limit"), "num") + TextCell(j.job.status) + IntCell(j.job.n_requests) +
              IntCell(j.job.n_cached) +
              TextCell(j.job.finished_at.empty()
                           ? "–"
                           : Duration(Seconds(j.job.started_at, j.job.finished_at))) +
              "</tr>";
    }
    *out += "</tbody></table></div></details>";
  }
  *out += "</section>";
}

void BenchmarkSection(const ReportModel& m, std::string* out) {
  *out += "<section id=\"benchmarks\"><h2>Benchmarks</h2>";
  if (m.benchmark.empty()) {
    *out += "<p class=\"note\">No benchmark task results in the selected runs.</p></section>";
    return;
  }
  *out +=
      "<p class=\"note\">Standard errors as lm-eval computes them (sample SD/√n for means, "
      "bootstrap otherwise; N/A where lm-eval has none). 95% interval: Wilson for proportions "
      "(accuracy, exact match: means of 0/1 outcomes), value ± 1.96·stderr otherwise. "
      "↑ higher is better, ↓ lower is better. Rows marked “tag” are size-weighted means over "
      "the tasks sharing that tag, with pooled standard error.</p>";
  *out += "<div class=\"table-wrap\"><table id=\"benchmark-table\" class=\"sortable\"><thead><tr>" +
          Th("task") + Th("metric") + Th("filter") + Th("model") + Th("value", true) +
          Th("stderr", true) + Th("95% low", true) + Th("95% high", true) + Th("n", true) +
          Th("few-shot", true) + Th("version") + "</tr></thead><tbody>";
  for (const auto& r : m.benchmark) {
    *out += fmt::format(
        "<tr class=\"bench-row{}\" data-model=\"{}\" data-task=\"{}\" data-metric=\"{}\" "
        "data-filter=\"{}\">",
        r.is_group ? " group" : "", E(r.label), E(r.task), E(r.metric), E(r.filter));
    *out += TextCell(r.task) + TextCell(r.metric + (r.higher_is_better ? " ↑" : " ↓")) +
            TextCell(r.filter) + TextCell(r.label) + NumCell(r.value) + OptNumCell(r.stderr_value);
    if (r.ci) {
      *out += NumCell(r.ci->low) + NumCell(r.ci->high);
    } else {
      *out += "<td class=\"num\">–</td><td class=\"num\">–</td>";
    }
    *out += IntCell(r.n) + (r.is_group ? TextCell("", "num") : IntCell(r.num_fewshot)) +
            TextCell(r.version) + "</tr>";
  }
  *out += "</tbody></table></div>";

  // Grouped bars of mean-aggregated metrics in [0, 1], one bar per model.
  std::vector<std::string> labels;
  for (const auto& s : m.sides) labels.push_back(s.label);
  std::vector<std::string> cats;
  std::map<std::string, std::map<std::string, const BenchmarkRow*>> by_cat;
  for (const auto& r : m.benchmark) {
    if (r.aggregation != "mean" || !std::isfinite(r.value) || r.value < 0 || r.value > 1) continue;
    std::string cat = r.task + " · " + r.metric + (r.filter == "none" ? "" : " (" + r.filter + ")");
    if (!by_cat.count(cat)) cats.push_back(cat);
    by_cat[cat][r.label] = &r;
  }
  if (!cats.empty()) {
    BarChart chart;
    chart.title = "Benchmark scores by model (95% intervals)";
    chart.y_label = "score";
    chart.y_max = 1.0;
    chart.categories = cats;
    for (const auto& label : labels) {
      BarSeries s;
      s.name = label;
      for (const auto& cat : cats) {
        auto it = by_cat[cat].find(label);
        if (it == by_cat[cat].end()) {
          s.values.emplace_back();
          s.ci.emplace_back();
          continue;
        }
        const BenchmarkRow* r = it->second;
        s.values.emplace_back(r->value);
        if (r->ci) {
          s.ci.emplace_back(Interval{std::max(0.0, r->ci->low), std::min(1.0, r->ci->high)});
        } else {
          s.ci.emplace_back();
        }
      }
      chart.series.push_back(std::move(s));
    }
    *out += "<div class=\"charts\"><figure id=\"benchmark-chart\">" + RenderBarChart(chart) +
            "</figure></div>";
  }
  *out += "</section>";
}

void ComparisonSection(const Comparison& c, std::string* out) {
  *out += "<section id=\"comparison\"><h2>Comparison</h2>";
  std::string base = c.rows.empty() ? c.spec.base_model : c.rows[0].base_model;
  std::string cand = c.rows.empty() ? c.spec.candidate_model : c.rows[0].candidate_model;
  *out += fmt::format(
      "<p>Base <b>{}</b> (run {}) vs candidate <b>{}</b> (run {}): <span class=\"badge {}\" "
      "id=\"regression-count\" data-value=\"{}\">{} regression(s)</span> <span class=\"badge "
      "good\">{} improvement(s)</span></p>",
      E(base), c.spec.base_run, E(cand), c.spec.candidate_run, c.regressions ? "bad" : "good",
      c.regressions, c.regressions, c.improvements);
  *out += fmt::format(
      "<p class=\"note\">Δ = candidate − base. Paired test on the documents both scored: "
      "McNemar for 0/1 metrics (its Δ interval inverts the same test, so it excludes 0 exactly "
      "when p &lt; 0.05), an exact permutation test for 12 documents or fewer (no interval), "
      "paired bootstrap ({} resamples, seed {}) otherwise; audits pair probes or items "
      "(McNemar) or, sharing none, use Fisher's exact test with Newcombe's interval. A "
      "regression is worse by more than {} with p &lt; {}. The same table as "
      "<code>mnemo compare</code>.</p>",
      c.spec.bootstrap.iterations, c.spec.bootstrap.seed, c.spec.threshold, c.spec.alpha);
  for (const auto& w : c.warnings)
    *out += "<p class=\"warning runtime-warning\">warning: " + E(w) + "</p>";
  *out +=
      "<div class=\"table-wrap\"><table id=\"comparison-table\" class=\"sortable\"><thead><tr>" +
      Th("task") + Th("metric") + Th("filter") + Th("base", true) + Th("candidate", true) +
      Th("Δ", true) + Th("Δ 95% low", true) + Th("Δ 95% high", true) + Th("test") + Th("p", true) +
      Th("n", true) + Th("verdict") + "</tr></thead><tbody>";
  for (const auto& r : c.rows) {
    const char* cls = r.regression ? "regression" : r.improvement ? "improvement" : "";
    *out += fmt::format(
        "<tr class=\"cmp-row {}\" data-task=\"{}\" data-metric=\"{}\" "
        "data-filter=\"{}\">",
        cls, E(r.task), E(r.metric), E(r.filter));
    *out += TextCell(r.task) + TextCell(r.metric + (r.higher_is_better ? " ↑" : " ↓")) +
            TextCell(r.filter) + NumCell(r.base_value) + NumCell(r.candidate_value) +
            NumCell(r.delta);
    if (r.test.method == "none") {
      *out += "<td class=\"num\">–</td><td class=\"num\">–</td>" + TextCell("none") +
              "<td class=\"num\">–</td>";
    } else {
      // The interval of the test that gives p; an exact permutation test has none.
      bool ci = std::isfinite(r.test.ci_low) && std::isfinite(r.test.ci_high);
      *out += (ci ? NumCell(r.test.ci_low) + NumCell(r.test.ci_high)
                  : "<td class=\"num\" colspan=\"2\">no interval</td>") +
              TextCell(r.test.method) + NumCell(r.test.p_value);
    }
    *out += IntCell(r.test.n);
    *out += r.regression    ? "<td><span class=\"badge bad\">regression</span></td>"
            : r.improvement ? "<td><span class=\"badge good\">improved</span></td>"
                            : TextCell(r.significant ? "significant, within threshold" : "");
    *out += "</tr>";
  }
  *out += "</tbody></table></div>";
  for (const auto& n : c.notes) *out += "<p class=\"note\">" + E(n) + "</p>";
  *out += "</section>";
}

void MemorizationSection(const ReportModel& m, std::string* out) {
  if (m.mem.empty()) return;
  *out += "<section id=\"memorization\"><h2>Memorisation</h2>";
  *out +=
      "<p class=\"note\">Discoverable extraction: a probe's prefix is given, the greedy "
      "continuation is compared with the true suffix. Exact = every suffix token equal; "
      "approximate = within the audit's edit-distance bound. One row per model and probe "
      "source (planted canaries and sampled training windows answer different questions). "
      "Wilson 95% intervals.</p>";
  *out += "<div class=\"table-wrap\"><table id=\"mem-table\" class=\"sortable\"><thead><tr>" +
          Th("model") + Th("source") + Th("probes", true) + Th("exact", true) +
          Th("exact rate", true) + Th("exact 95%") + Th("approx.", true) +
          Th("approx. rate", true) + Th("approx. 95%") + Th("approx./exact", true) +
          Th("trivial", true) + Th("exact rate, non-trivial", true) +
          Th("approx. rate, non-trivial", true) + "</tr></thead><tbody>";
  auto rate = [](int64_t k, int64_t n) { return n ? static_cast<double>(k) / n : 0.0; };
  auto ci_text = [](const Interval& ci) {
    return fmt::format("[{:.4f}, {:.4f}]", ci.low, ci.high);
  };
  for (const auto& s : m.mem) {
    *out += fmt::format("<tr class=\"mem-row\" data-model=\"{}\" data-source=\"{}\">", E(s.label),
                        E(s.source));
    *out += TextCell(s.label) + TextCell(s.source) + IntCell(s.n) + IntCell(s.exact) +
            NumCell(rate(s.exact, s.n), 4) + TextCell(ci_text(s.exact_ci), "num") +
            IntCell(s.approx) + NumCell(rate(s.approx, s.n), 4) +
            TextCell(ci_text(s.approx_ci), "num") +
            (s.exact ? NumCell(static_cast<double>(s.approx) / s.exact, 2) : TextCell("–", "num")) +
            IntCell(s.trivial) + NumCell(rate(s.exact_nontrivial, s.n_nontrivial), 4) +
            NumCell(rate(s.approx_nontrivial, s.n_nontrivial), 4) + "</tr>";
  }
  *out += "</tbody></table></div><div class=\"charts\">";
  BarChart chart;
  chart.title = "Memorisation rate per model and source";
  chart.y_label = "rate";
  chart.log_scale = true;
  BarSeries ex{"exact", {}, {}, false, 0}, ap{"approximate", {}, {}, true, 1};
  for (const auto& s : m.mem) {
    chart.categories.push_back(s.label + " · " + s.source);
    ex.values.emplace_back(rate(s.exact, s.n));
    ex.ci.emplace_back(s.exact_ci);
    ap.values.emplace_back(rate(s.approx, s.n));
    ap.ci.emplace_back(s.approx_ci);
  }
  chart.series = {ex, ap};
  *out += "<figure id=\"mem-rate-chart\">" + RenderBarChart(chart) + "</figure>";
  // One duplication chart per source that has buckets.
  std::vector<std::string> sources;
  for (const auto& d : m.mem_dup)
    if (std::find(sources.begin(), sources.end(), d.source) == sources.end())
      sources.push_back(d.source);
  for (const auto& source : sources) {
    RateChart rc;
    rc.title = "Memorisation rate against " + m.mem_dup_axis + " · " + source;
    rc.x_label = m.mem_dup_axis + " (log scale)";
    rc.y_label = "rate";
    rc.few = kFewProbes;
    int colour = 0;
    for (const auto& s : m.mem) {
      if (s.source != source) continue;
      RateSeries e{s.label + " exact", {}, false, colour},
          a{s.label + " approx.", {}, true, colour};
      for (const auto& d : m.mem_dup) {
        if (d.label != s.label || d.source != source) continue;
        const double x = static_cast<double>(d.duplication);
        e.points.push_back({x, DupBucketName(d), d.exact, d.n, d.exact_ci});
        a.points.push_back({x, DupBucketName(d), d.approx, d.n, d.approx_ci});
      }
      rc.series.push_back(std::move(e));
      rc.series.push_back(std::move(a));
      ++colour;
    }
    *out +=
        fmt::format("<figure class=\"mem-dup-chart\" id=\"mem-dup-chart{}\" data-source=\"{}\">",
                    sources.size() == 1 ? "" : "-" + E(source), E(source)) +
        RenderRateChart(rc) + "</figure>";
  }
  *out += "</div>";
  if (!m.mem_examples.empty()) {
    *out += fmt::format(
        "<details id=\"mem-examples\"><summary><h3>Memorised continuations ({1})</h3></summary>"
        "<p class=\"note\">Truth above, model output below; "
        "<del>missing</del> and <ins>different</ins> words marked. {0}</p>",
        m.redacted ? "PII redacted (findings of the PII audit plus built-in patterns; "
                     "<code>--no-redact</code> shows the raw text)."
                   : "Not redacted (<code>--no-redact</code>).",
        m.mem_examples.size());
    for (const auto& ex : m.mem_examples) {
      DiffHtml d = WordDiffHtml(ex.truth, ex.output);
      *out += fmt::format(
          "<div class=\"example\" data-probe=\"{}\"><div class=\"note\">{} · probe {} · {} · {}{} "
          "· edit distance {}</div><div class=\"text truth\">{}</div><hr><div class=\"text "
          "output\">{}</div></div>",
          E(ex.probe_id), E(ex.label), E(ex.probe_id), E(ex.source),
          ex.exact ? "exact" : "approximate",
          ex.duplicates ? fmt::format(" · {} duplicates", *ex.duplicates) : "", ex.edit_distance,
          d.truth, d.output);
    }
    *out += "</details>";
  }
  *out += "</section>";
}

void PiiSection(const ReportModel& m, std::string* out) {
  if (m.pii.empty()) return;
  *out += "<section id=\"pii\"><h2>PII findings</h2>";
  *out += "<div class=\"table-wrap\"><table id=\"pii-table\" class=\"sortable\"><thead><tr>" +
          Th("origin") + Th("model") + Th("entity") + Th("findings", true) + Th("documents", true) +
          Th("mean score", true) + Th("likelihood") + Th("example (redacted)") +
          "</tr></thead><tbody>";
  for (const auto& p : m.pii) {
    std::string lk;
    for (const auto& [k, v] : p.by_likelihood)
      lk += (lk.empty() ? "" : ", ") + k + " " + std::to_string(v);
    *out += fmt::format("<tr class=\"pii-row\" data-entity=\"{}\">", E(p.entity)) +
            TextCell(p.origin) + TextCell(p.model) + TextCell(p.entity) + IntCell(p.findings) +
            IntCell(p.docs) + NumCell(p.mean_score, 3) + TextCell(lk) +
            TextCell(p.example_quote, "text") + "</tr>";
  }
  *out += "</tbody></table></div></section>";
}

void DecontamSection(const ReportModel& m, std::string* out) {
  if (m.decontam.empty()) return;
  *out += "<section id=\"decontamination\"><h2>Decontamination</h2>";
  *out += "<div class=\"table-wrap\"><table id=\"decontam-table\" class=\"sortable\"><thead><tr>" +
          Th("task") + Th("method") + Th("items", true) + Th("dirty", true) +
          Th("dirty share", true) + Th("clean", true) + Th("mean overlap", true) +
          "</tr></thead><tbody>";
  for (const auto& d : m.decontam)
    *out += fmt::format("<tr class=\"decontam-row\" data-task=\"{}\" data-method=\"{}\">",
                        E(d.task), E(d.method)) +
            TextCell(d.task) + TextCell(d.method) + IntCell(d.items) + IntCell(d.dirty) +
            NumCell(d.dirty_share()) + IntCell(d.clean) + NumCell(d.mean_overlap) + "</tr>";
  *out += "</tbody></table></div>";
  if (!m.decontam_scores.empty()) {
    *out +=
        "<h3>Score on all items vs clean items</h3><div class=\"table-wrap\"><table "
        "id=\"decontam-scores\" class=\"sortable\"><thead><tr>" +
        Th("task") + Th("method") + Th("model") + Th("metric") + Th("filter") + Th("all", true) +
        Th("n all", true) + Th("clean", true) + Th("n clean", true) + Th("clean − all", true) +
        "</tr></thead><tbody>";
    for (const auto& s : m.decontam_scores)
      *out += "<tr>" + TextCell(s.task) + TextCell(s.method) + TextCell(s.label) +
              TextCell(s.metric) + TextCell(s.filter) + NumCell(s.all) + IntCell(s.n_all) +
              NumCell(s.clean) + IntCell(s.n_clean) + NumCell(s.clean - s.all) + "</tr>";
    *out += "</tbody></table></div>";
  }
  *out += "</section>";
}

// Each audit job name's metrics as a collapsed table: a row per model and group, a column per
// metric, intervals beside their rate.
void AuditTablesSection(const ReportModel& m, std::string* out) {
  if (m.audit_tables.empty()) return;
  *out +=
      "<section id=\"audit-metrics\"><h2>Audit metrics</h2><p class=\"note\">Every metric "
      "the audit jobs stored, one table per audit; 95% intervals as the audit computed "
      "them (Wilson for rates).</p>";
  for (const auto& t : m.audit_tables) {
    std::set<std::string> with_ci;
    for (const auto& r : t.rows)
      for (const auto& [name, c] : r.cells)
        if (c.ci) with_ci.insert(name);
    *out += fmt::format(
        "<details class=\"audit-table\" data-kind=\"{}\" data-job=\"{}\"><summary>{} · {} "
        "<span class=\"note\">({} rows × {} metrics)</span></summary><div class=\"table-wrap\">"
        "<table class=\"sortable audit\"><thead><tr>",
        E(t.kind), E(t.job), E(t.kind), E(t.job), t.rows.size(), t.metrics.size());
    *out += Th("model") + Th("group") + Th("n", true);
    for (const auto& name : t.metrics) {
      *out += Th(name, true);
      if (with_ci.count(name)) *out += Th(name + " 95%");
    }
    *out += "</tr></thead><tbody>";
    for (const auto& r : t.rows) {
      *out += fmt::format("<tr data-model=\"{}\" data-group=\"{}\">", E(r.label), E(r.filter)) +
              TextCell(r.label) + TextCell(r.filter) + IntCell(r.n);
      for (const auto& name : t.metrics) {
        auto it = r.cells.find(name);
        if (it == r.cells.end()) {
          *out += "<td class=\"num\">–</td>";
          if (with_ci.count(name)) *out += "<td class=\"num\">–</td>";
          continue;
        }
        const AuditTable::Cell& c = it->second;
        std::string cell = NumCell(c.value, 4);
        if (c.stderr_value && !c.ci)
          cell.insert(cell.size() - 5, fmt::format(" ± {:.4f}", *c.stderr_value));
        *out += cell;
        if (with_ci.count(name))
          *out += c.ci ? fmt::format(
                             "<td class=\"num\" data-low=\"{}\" data-high=\"{}\">[{:.4f}, "
                             "{:.4f}]</td>",
                             Exact(c.ci->low), Exact(c.ci->high), c.ci->low, c.ci->high)
                       : "<td class=\"num\">–</td>";
      }
      *out += "</tr>";
    }
    *out += "</tbody></table></div></details>";
  }
  *out += "</section>";
}

void SamplesSection(const ReportModel& m, std::string* out) {
  *out += "<section id=\"samples\"><h2>Samples</h2>";
  if (m.samples.empty()) {
    *out += "<p class=\"note\">No samples.</p></section>";
    return;
  }
  std::vector<std::string> models, tasks;
  for (const auto& s : m.samples) {
    if (std::find(models.begin(), models.end(), s.label) == models.end()) models.push_back(s.label);
    if (std::find(tasks.begin(), tasks.end(), s.task) == tasks.end()) tasks.push_back(s.task);
  }
  *out += fmt::format("<details id=\"samples-details\"><summary>{} samples</summary>",
                      m.samples.size());
  *out += fmt::format(
      "<p class=\"note\">{} of {} samples shown (the first of each task job; "
      "<code>--max-sample-rows</code> changes it). Click a column to sort.</p>",
      m.samples.size(), m.samples_total);
  *out +=
      "<div class=\"filters\"><input id=\"sample-filter\" type=\"search\" placeholder=\"filter "
      "samples…\" aria-label=\"filter samples\"><select id=\"sample-model\" aria-label=\"model\">"
      "<option value=\"\">all models</option>";
  for (const auto& x : models) *out += "<option value=\"" + E(x) + "\">" + E(x) + "</option>";
  *out +=
      "</select><select id=\"sample-task\" aria-label=\"task\"><option value=\"\">all tasks"
      "</option>";
  for (const auto& x : tasks) *out += "<option value=\"" + E(x) + "\">" + E(x) + "</option>";
  *out += fmt::format(
      "</select><span class=\"note\"><span id=\"sample-count\">{}</span> shown"
      "</span></div>",
      m.samples.size());
  *out += "<div class=\"table-wrap\"><table id=\"samples-table\" class=\"sortable\"><thead><tr>" +
          Th("model") + Th("task") + Th("doc", true) + Th("filter") + Th("prompt (end)") +
          Th("target") + Th("response") + Th("metrics") + "</tr></thead><tbody>";
  for (const auto& s : m.samples) {
    std::string metrics;
    for (const auto& [k, v] : s.metrics)
      metrics += (metrics.empty() ? "" : "\n") + k + " = " + fmt::format("{:.4g}", v);
    if (!s.error.empty())
      metrics += (metrics.empty() ? "" : "\n") + std::string("error: ") + s.error;
    *out += fmt::format("<tr data-model=\"{}\" data-task=\"{}\" data-doc=\"{}\">", E(s.label),
                        E(s.task), E(s.doc_id));
    *out += TextCell(s.label) + TextCell(s.task) +
            fmt::format("<td class=\"num\" data-sort=\"{0}\">{0}</td>", s.doc_index) +
            TextCell(s.filter) + TextCell(s.prompt, "text") + TextCell(s.target, "text") +
            TextCell(s.response, "text response") + TextCell(metrics, "text") + "</tr>";
  }
  *out += "</tbody></table></div></details></section>";
}

}  // namespace

std::string RenderHtmlReport(const ReportModel& m, const Comparison* comparison) {
  std::string out;
  out.reserve(1 << 20);
  out +=
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"Content-Security-Policy"
      "\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
      "img-src data:\"><title>mnemo report</title><style>";
  out += ReportCss();
  out += "</style></head><body><header><h1>mnemo report</h1>";
  std::string runs;
  for (const auto& r : m.runs) runs += (runs.empty() ? "" : ", ") + std::to_string(r.run.id);
  out += "<p class=\"meta\">store " + E(m.db_path) + " · run" + (m.runs.size() > 1 ? "s " : " ") +
         E(runs) +
         "</p><nav><a href=\"#summary\">Summary</a><a href=\"#benchmarks\">Benchmarks</a>";
  if (comparison) out += "<a href=\"#comparison\">Comparison</a>";
  if (!m.mem.empty()) out += "<a href=\"#memorization\">Memorisation</a>";
  if (!m.pii.empty()) out += "<a href=\"#pii\">PII</a>";
  if (!m.decontam.empty()) out += "<a href=\"#decontamination\">Decontamination</a>";
  if (!m.long_context.empty()) out += "<a href=\"#long-context\">Long context</a>";
  if (!m.perplexity.empty()) out += "<a href=\"#perplexity\">Perplexity</a>";
  if (!m.memory.empty()) out += "<a href=\"#memory\">Memory</a>";
  if (!m.audit_tables.empty()) out += "<a href=\"#audit-metrics\">Audit metrics</a>";
  out += "<a href=\"#runs\">Runs</a><a href=\"#samples\">Samples</a></nav></header><main>";
  // A partial run's numbers are not the whole run's: say so before any of them.
  for (const auto& rv : m.runs)
    if (rv.partial)
      out += fmt::format(
          "<p class=\"banner partial\" data-run=\"{}\">Run {} is partial: {}. Its numbers cover "
          "only what completed; <code>mnemo run</code> with the same config resumes it.</p>",
          rv.run.id, rv.run.id, E(rv.partial_reason));
  SummarySection(m, comparison, &out);
  BenchmarkSection(m, &out);
  if (comparison) ComparisonSection(*comparison, &out);
  MemorizationSection(m, &out);
  PiiSection(m, &out);
  DecontamSection(m, &out);
  LongContextSection(m, &out);
  PerplexitySection(m, &out);
  MemorySection(m, &out);
  AuditTablesSection(m, &out);
  RunsSection(m, &out);
  SamplesSection(m, &out);
  out +=
      "<p class=\"note print-only\">Printed: the summary, benchmarks, comparison and audits. The "
      "per-sample table, run details and the per-audit metric tables are in the HTML file.</p>";
  out += "</main><script>";
  out += ReportJs();
  out += "</script></body></html>\n";
  return out;
}

Status WriteHtmlReport(const std::string& path, const ReportModel& model,
                       const Comparison* comparison) {
  std::string html = RenderHtmlReport(model, comparison);
  namespace fs = std::filesystem;
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  fs::path tmp = target;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::IoError("cannot write '" + tmp.string() + "'");
    f.write(html.data(), static_cast<std::streamsize>(html.size()));
    if (!f) return Status::IoError("writing '" + tmp.string() + "' failed");
  }
  fs::rename(tmp, target, ec);
  if (ec)
    return Status::IoError("cannot rename '" + tmp.string() + "' to '" + path +
                           "': " + ec.message());
  return Status::Ok();
}

}  // namespace mnemo::reports
