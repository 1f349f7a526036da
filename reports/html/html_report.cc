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

void RunsSection(const ReportModel& m, std::string* out) {
  *out += "<section id=\"runs\"><h2>Runs</h2>";
  for (const auto& rv : m.runs) {
    const RunRecord& r = rv.run;
    *out +=
        fmt::format("<h3>Run {} · {}</h3><dl class=\"kv\" data-run=\"{}\">", r.id, E(r.name), r.id);
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
    *out += "</tbody></table></div>";
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
      "bootstrap otherwise; N/A where lm-eval has none). 95% interval = value ± 1.96·stderr. "
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
    if (r.stderr_value && std::isfinite(r.value)) {
      Interval iv = NormalInterval(r.value, *r.stderr_value);
      *out += NumCell(iv.low) + NumCell(iv.high);
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
        if (r->stderr_value) {
          Interval iv = NormalInterval(r->value, *r->stderr_value);
          s.ci.emplace_back(Interval{std::max(0.0, iv.low), std::min(1.0, iv.high)});
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
      "McNemar for 0/1 metrics, paired bootstrap ({} resamples, seed {}) otherwise. A regression "
      "is worse by more than {} with p &lt; {}. The same table as <code>mnemo compare</code>.</p>",
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
      *out += NumCell(r.test.ci_low) + NumCell(r.test.ci_high) + TextCell(r.test.method) +
              NumCell(r.test.p_value);
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
      "approximate = within the audit's edit-distance bound. Wilson 95% intervals.</p>";
  *out += "<div class=\"table-wrap\"><table id=\"mem-table\" class=\"sortable\"><thead><tr>" +
          Th("model") + Th("probes", true) + Th("exact", true) + Th("exact rate", true) +
          Th("exact 95%") + Th("approx.", true) + Th("approx. rate", true) + Th("approx. 95%") +
          Th("approx./exact", true) + Th("trivial", true) + Th("exact rate, non-trivial", true) +
          Th("approx. rate, non-trivial", true) + "</tr></thead><tbody>";
  auto rate = [](int64_t k, int64_t n) { return n ? static_cast<double>(k) / n : 0.0; };
  for (const auto& s : m.mem) {
    *out += fmt::format("<tr class=\"mem-row\" data-model=\"{}\">", E(s.label));
    *out += TextCell(s.label) + IntCell(s.n) + IntCell(s.exact) + NumCell(rate(s.exact, s.n), 5) +
            TextCell(fmt::format("[{:.4f}, {:.4f}]", s.exact_ci.low, s.exact_ci.high)) +
            IntCell(s.approx) + NumCell(rate(s.approx, s.n), 5) +
            TextCell(fmt::format("[{:.4f}, {:.4f}]", s.approx_ci.low, s.approx_ci.high)) +
            (s.exact ? NumCell(static_cast<double>(s.approx) / s.exact, 2) : TextCell("–", "num")) +
            IntCell(s.trivial) + NumCell(rate(s.exact_nontrivial, s.n_nontrivial), 5) +
            NumCell(rate(s.approx_nontrivial, s.n_nontrivial), 5) + "</tr>";
  }
  *out += "</tbody></table></div><div class=\"charts\">";
  BarChart chart;
  chart.title = "Memorisation rate per model: exact vs approximate";
  chart.y_label = "rate";
  chart.log_scale = true;
  BarSeries ex{"exact", {}, {}, false, 0}, ap{"approximate", {}, {}, true, 1};
  for (const auto& s : m.mem) {
    chart.categories.push_back(s.label);
    ex.values.emplace_back(rate(s.exact, s.n));
    ex.ci.emplace_back(s.exact_ci);
    ap.values.emplace_back(rate(s.approx, s.n));
    ap.ci.emplace_back(s.approx_ci);
  }
  chart.series = {ex, ap};
  *out += "<figure id=\"mem-rate-chart\">" + RenderBarChart(chart) + "</figure>";
  if (!m.mem_dup.empty()) {
    std::set<int64_t> xs;
    for (const auto& d : m.mem_dup) xs.insert(d.duplication);
    LineChart lc;
    lc.title = "Memorisation rate against duplication";
    lc.x_label = m.mem_dup_axis;
    lc.y_label = "rate";
    for (int64_t x : xs) lc.x_categories.push_back(std::to_string(x));
    int colour = 0;
    for (const auto& s : m.mem) {
      LineSeries le{s.label + " exact", {}, false, colour},
          la{s.label + " approx.", {}, true, colour};
      for (int64_t x : xs) {
        const MemDupPoint* p = nullptr;
        for (const auto& d : m.mem_dup)
          if (d.label == s.label && d.duplication == x) p = &d;
        le.values.push_back(p ? std::optional<double>(rate(p->exact, p->n)) : std::nullopt);
        la.values.push_back(p ? std::optional<double>(rate(p->approx, p->n)) : std::nullopt);
      }
      lc.series.push_back(le);
      lc.series.push_back(la);
      ++colour;
    }
    *out += "<figure id=\"mem-dup-chart\">" + RenderLineChart(lc) + "</figure>";
  }
  *out += "</div>";
  if (!m.mem_examples.empty()) {
    *out += fmt::format(
        "<h3>Memorised continuations</h3><p class=\"note\">Truth above, model output below; "
        "<del>missing</del> and <ins>different</ins> words marked. {}</p>",
        m.redacted ? "PII redacted (findings of the PII audit plus built-in patterns; "
                     "<code>--no-redact</code> shows the raw text)."
                   : "Not redacted (<code>--no-redact</code>).");
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

void AuditMetricsSection(const ReportModel& m, std::string* out) {
  if (m.audit_metrics.empty()) return;
  *out += "<section id=\"audit-metrics\"><h2>Audit metrics</h2>";
  *out +=
      "<div class=\"table-wrap\"><table id=\"audit-metrics-table\" class=\"sortable\"><thead>"
      "<tr>" +
      Th("kind") + Th("job") + Th("model") + Th("metric") + Th("group / filter") +
      Th("value", true) + Th("stderr", true) + Th("n", true) + "</tr></thead><tbody>";
  for (const auto& a : m.audit_metrics)
    *out += "<tr>" + TextCell(a.kind) + TextCell(a.job) + TextCell(a.label) + TextCell(a.metric) +
            TextCell(a.filter) + NumCell(a.value, 5) + OptNumCell(a.stderr_value, 5) +
            IntCell(a.n) + "</tr>";
  *out += "</tbody></table></div></section>";
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
  *out += "</tbody></table></div></section>";
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
         E(runs) + "</p><nav><a href=\"#runs\">Runs</a><a href=\"#benchmarks\">Benchmarks</a>";
  if (comparison) out += "<a href=\"#comparison\">Comparison</a>";
  if (!m.mem.empty()) out += "<a href=\"#memorization\">Memorisation</a>";
  if (!m.pii.empty()) out += "<a href=\"#pii\">PII</a>";
  if (!m.decontam.empty()) out += "<a href=\"#decontamination\">Decontamination</a>";
  if (!m.audit_metrics.empty()) out += "<a href=\"#audit-metrics\">Audit metrics</a>";
  out += "<a href=\"#samples\">Samples</a></nav></header><main>";
  RunsSection(m, &out);
  BenchmarkSection(m, &out);
  if (comparison) ComparisonSection(*comparison, &out);
  MemorizationSection(m, &out);
  PiiSection(m, &out);
  DecontamSection(m, &out);
  AuditMetricsSection(m, &out);
  SamplesSection(m, &out);
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
