#include "reports/html/longctx_section.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "reports/html/html_escape.h"
#include "reports/html/svg_chart.h"

namespace mnemo::reports {
namespace {

std::string E(const std::string& s) {
  return HtmlEscape(s);
}

std::string Exact(double v) {
  return std::isfinite(v) ? fmt::format("{:.17g}", v) : "NaN";
}

// "1.50 MiB" (audits/kv's FormatBytes; the report does not link the audit).
std::string Bytes(double b) {
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.2f} MiB", b / (1024.0 * 1024));
  if (b >= 1024.0) return fmt::format("{:.2f} KiB", b / 1024.0);
  return fmt::format("{:.0f} B", b);
}

std::string Th(const std::string& label, bool num = false) {
  return num ? "<th class=\"num\" data-type=\"num\">" + E(label) + "</th>"
             : "<th>" + E(label) + "</th>";
}

std::string Num(double v, int digits, const std::string& attrs = "") {
  return fmt::format("<td class=\"num\" data-sort=\"{0}\" data-value=\"{0}\"{1}>{2:.{3}f}</td>",
                     Exact(v), attrs, v, digits);
}

std::string BytesCell(double v, const std::string& attrs = "") {
  return fmt::format("<td class=\"num\" data-sort=\"{0}\" data-value=\"{0}\"{1}>{2}</td>", Exact(v),
                     attrs, Bytes(v));
}

const std::string kNone = "<td class=\"num\">–</td>";

// "1K" for 1024, else the number.
std::string Ctx(int64_t n) {
  return n >= 1024 && n % 1024 == 0 ? std::to_string(n / 1024) + "K" : std::to_string(n);
}

void HeatMap(const LongContextView& v, std::string* out) {
  *out += fmt::format(
      "<figure class=\"heatmap-figure\"><figcaption>{} · {}: accuracy (%) by context length "
      "and needle depth, mean over the tasks with a depth</figcaption><div "
      "class=\"table-wrap\"><table class=\"heatmap\" data-model=\"{}\" data-job=\"{}\"><thead>"
      "<tr><th>depth \\ length</th>",
      E(v.label), E(v.job), E(v.label), E(v.job));
  for (int64_t l : v.lengths) *out += fmt::format("<th class=\"num\">{}</th>", l);
  *out += "</tr></thead><tbody>";
  for (const auto& d : v.depths) {
    *out += fmt::format("<tr><th>{}%</th>", E(d));
    for (int64_t l : v.lengths) {
      const LongContextView::Cell* c = nullptr;
      for (const auto& x : v.heat)
        if (x.length == l && x.depth == d) c = &x;
      if (c == nullptr) {
        *out += "<td class=\"num heat none\">–</td>";
        continue;
      }
      *out += fmt::format(
          "<td class=\"num heat\" data-length=\"{}\" data-depth=\"{}\" data-value=\"{}\" "
          "data-n=\"{}\" style=\"background:{}\" title=\"length {}, depth {}%: {:.1f} over {} "
          "prompts\">{:.1f}</td>",
          l, E(d), Exact(c->accuracy), c->n, HeatColour(c->accuracy), l, E(d), c->accuracy, c->n,
          c->accuracy);
    }
    *out += "</tr>";
  }
  *out += "</tbody></table></div></figure>";
}

void TaskTable(const LongContextView& v, std::string* out) {
  *out += fmt::format(
      "<div class=\"table-wrap\"><table class=\"sortable longctx-tasks\" data-model=\"{}\" "
      "data-job=\"{}\"><thead><tr>",
      E(v.label), E(v.job));
  *out += Th("task");
  for (int64_t l : v.lengths) *out += Th(std::to_string(l), true);
  *out += "</tr></thead><tbody>";
  for (const auto& t : v.tasks) {
    *out += fmt::format("<tr data-task=\"{}\"><td>{}</td>", E(t), E(t));
    for (int64_t l : v.lengths) {
      const LongContextView::TaskCell* c = nullptr;
      for (const auto& x : v.by_task)
        if (x.task == t && x.length == l) c = &x;
      if (c == nullptr) {
        *out += kNone;
        continue;
      }
      std::string se = c->stderr_value ? fmt::format(" ± {:.1f}", *c->stderr_value) : "";
      *out += fmt::format(
          "<td class=\"num\" data-sort=\"{0}\" data-value=\"{0}\" data-length=\"{1}\" "
          "title=\"{2} prompts\">{3:.1f}{4}</td>",
          Exact(c->accuracy), l, c->n, c->accuracy, se);
    }
    *out += "</tr>";
  }
  if (!v.ruler_average.empty()) {
    *out += "<tr class=\"average\" data-task=\"\"><td><strong>average</strong></td>";
    for (int64_t l : v.lengths) {
      auto it = v.ruler_average.find(l);
      *out += it == v.ruler_average.end()
                  ? kNone
                  : fmt::format(
                        "<td class=\"num\" data-sort=\"{0}\" data-value=\"{0}\" "
                        "data-length=\"{1}\"><strong>{2:.1f}</strong></td>",
                        Exact(it->second), l, it->second);
    }
    *out += "</tr>";
  }
  *out += "</tbody></table></div>";
}

void EffectiveLength(const LongContextView& v, std::string* out) {
  if (!v.effective_length) return;
  const int64_t eff = static_cast<int64_t>(std::llround(*v.effective_length));
  if (eff > 0) {
    *out += fmt::format(
        "<p class=\"effective-length\" data-value=\"{0}\" data-threshold=\"{1}\">Effective "
        "length: <strong>{0} tokens</strong> at threshold {1} (the longest length whose "
        "average, and every shorter one's, reaches {1}).</p>",
        eff, E(v.threshold));
  } else {
    *out += fmt::format(
        "<p class=\"effective-length\" data-value=\"0\" data-threshold=\"{0}\">Effective "
        "length: <strong>none</strong>: no length reached an average of {0}, not even the "
        "shortest{1}.</p>",
        E(v.threshold),
        v.ruler_average.empty()
            ? std::string()
            : fmt::format(" ({} tokens: {:.1f})", v.ruler_average.begin()->first,
                          v.ruler_average.begin()->second));
  }
}

void MeasuredTable(const LongContextView& v, std::string* out) {
  if (v.measured.empty()) return;
  *out += fmt::format(
      "<div class=\"table-wrap\"><table class=\"sortable longctx-measured\" data-model=\"{}\" "
      "data-job=\"{}\"><thead><tr>",
      E(v.label), E(v.job));
  *out += Th("length", true) + Th("peak RSS", true) + Th("tokens/s", true) + Th("KV cache", true) +
          "</tr></thead><tbody>";
  for (const auto& m : v.measured) {
    *out += fmt::format("<tr data-length=\"{0}\"><td class=\"num\" data-sort=\"{0}\">{0}</td>",
                        m.length);
    *out +=
        m.peak_rss_bytes ? BytesCell(*m.peak_rss_bytes, " data-metric=\"peak_rss_bytes\"") : kNone;
    *out += m.tokens_per_second
                ? Num(*m.tokens_per_second, 1, " data-metric=\"tokens_per_second\"")
                : "<td class=\"num\" title=\"nothing computed: every response came from the "
                  "store\">–</td>";
    *out += m.kv_bytes ? BytesCell(*m.kv_bytes, " data-metric=\"kv_bytes\"") : kNone;
    *out += "</tr>";
  }
  *out += "</tbody></table></div>";
}

}  // namespace

std::string HeatColour(double percent) {
  const double f = std::clamp(percent / 100.0, 0.0, 1.0);
  return fmt::format("hsl({:.0f}, 70%, {:.0f}%)", 120 * f, 80 - 4 * std::sin(f * 3.14159265358979));
}

void LongContextSection(const ReportModel& m, std::string* out) {
  if (m.long_context.empty()) return;
  *out += "<section id=\"long-context\"><h2>Long context</h2>";
  *out +=
      "<p class=\"note\">RULER-style tasks at each context length, scored as RULER scores them "
      "(percent). The heat map averages the needle tasks at each depth (0% = the needle at the "
      "start of the haystack); tokens/s counts only requests computed in that run.</p>";
  for (const auto& v : m.long_context) {
    *out +=
        fmt::format("<div class=\"longctx-job\" data-model=\"{}\" data-job=\"{}\"><h3>{} · {}</h3>",
                    E(v.label), E(v.job), E(v.label), E(v.job));
    EffectiveLength(v, out);
    if (!v.depths.empty()) HeatMap(v, out);
    TaskTable(v, out);
    MeasuredTable(v, out);
    *out += "</div>";
  }
  *out += "</section>";
}

void PerplexitySection(const ReportModel& m, std::string* out) {
  if (m.perplexity.empty()) return;
  *out += "<section id=\"perplexity\"><h2>Perplexity by position</h2>";
  *out +=
      "<p class=\"note\">Each token's perplexity at its position within the context window "
      "(llama-perplexity's windows); where the curve turns up is where the model stops using "
      "its context. Lower is better; ± is the standard error of the ppl (delta method).</p>";
  LineChart chart;
  chart.title = "Perplexity by token position";
  chart.x_label = "token position (bucket middle)";
  chart.y_label = "ppl";
  double lo = INFINITY, hi = 0;
  std::set<int64_t> trains;
  for (size_t i = 0; i < m.perplexity.size(); ++i) {
    const PerplexityView& v = m.perplexity[i];
    LineSeries s;
    s.name = m.perplexity.size() > 1 ? v.label + " · " + v.job : v.label;
    for (const auto& b : v.buckets) {
      s.points.push_back({static_cast<double>(b.from + b.to) / 2, b.ppl,
                          fmt::format("positions {}–{}", b.from, b.to - 1)});
      if (b.ppl > 0) lo = std::min(lo, b.ppl);
      hi = std::max(hi, b.ppl);
    }
    if (v.n_ctx_train) trains.insert(*v.n_ctx_train);
    chart.series.push_back(std::move(s));
  }
  chart.log_y = hi > 0 && lo > 0 && hi / lo > 10;
  if (trains.size() == 1) {
    chart.marker_x = static_cast<double>(*trains.begin());
    chart.marker_label = "trained at " + std::to_string(*trains.begin());
  }
  *out += "<div class=\"charts\"><figure id=\"ppl-chart\">" + RenderLineChart(chart) +
          "</figure></div>";
  for (const auto& v : m.perplexity) {
    *out += fmt::format("<div class=\"ppl-job\" data-model=\"{}\" data-job=\"{}\"><h3>{} · {}</h3>",
                        E(v.label), E(v.job), E(v.label), E(v.job));
    std::string overall;
    if (v.ppl)
      overall += fmt::format(
          "Overall ppl <strong class=\"ppl-total\" data-value=\"{}\">{:.4f}</strong>{} over {} "
          "tokens",
          Exact(*v.ppl), *v.ppl, v.ppl_stderr ? fmt::format(" ± {:.4f}", *v.ppl_stderr) : "",
          v.ppl_tokens);
    if (v.ppl_llama)
      overall += fmt::format(
          "{}llama-perplexity's estimate (second half of every full window) <strong "
          "class=\"ppl-llama\" data-value=\"{}\">{:.4f}</strong>{}",
          overall.empty() ? "" : "; ", Exact(*v.ppl_llama), *v.ppl_llama,
          v.ppl_llama_stderr ? fmt::format(" ± {:.4f}", *v.ppl_llama_stderr) : "");
    else
      overall += overall.empty() ? "No full window"
                                 : "; no full window, so no llama-perplexity "
                                   "estimate";
    std::string window = v.ctx > 0 ? fmt::format("Windows of {} tokens", v.ctx) : "";
    if (v.n_ctx_train)
      window += (window.empty() ? "Trained at " : "; the model was trained at ") +
                std::to_string(*v.n_ctx_train) + " tokens";
    *out += "<p>" + overall + "." + (window.empty() ? "" : " " + E(window) + ".") + "</p>";
    *out += fmt::format(
        "<div class=\"table-wrap\"><table class=\"sortable ppl-table\" data-model=\"{}\" "
        "data-job=\"{}\"><thead><tr>",
        E(v.label), E(v.job));
    *out += Th("positions") + Th("tokens", true) + Th("ppl", true) + Th("± stderr", true) +
            "</tr></thead><tbody>";
    for (const auto& b : v.buckets) {
      *out += fmt::format(
          "<tr data-from=\"{0}\" data-to=\"{1}\"><td data-sort=\"{0}\">{0}–{2}</td><td "
          "class=\"num\" data-sort=\"{3}\" data-value=\"{3}\">{3}</td>",
          b.from, b.to, b.to - 1, b.tokens);
      *out += Num(b.ppl, 4) + (b.stderr_value ? Num(*b.stderr_value, 4) : kNone) + "</tr>";
    }
    *out += "</tbody></table></div></div>";
  }
  *out += "</section>";
}

void MemorySection(const ReportModel& m, std::string* out) {
  if (m.memory.empty()) return;
  *out += "<section id=\"memory\"><h2>Memory</h2>";
  *out +=
      "<p class=\"note\">From the GGUF's metadata (<code>mnemo kv</code>, stored by the job): "
      "the weights, and the KV cache llama.cpp allocates at each context with llama-server's "
      "cache settings (one sequence, sliding-window layers hold their window plus a "
      "micro-batch). The measured KV bytes of a long-context run describe mnemo's own cache "
      "instead (every layer full size). Compute buffers are not counted.</p>";
  for (size_t mi = 0; mi < m.memory.size(); ++mi) {
    const KvMemoryView& v = m.memory[mi];
    *out += fmt::format(
        "<div class=\"memory-model\" data-model=\"{}\" data-job=\"{}\"><h3>{} <span "
        "class=\"note\">({} {})</span></h3>",
        E(v.label), E(v.job), E(v.label), E(v.job_kind), E(v.job));
    std::string desc =
        fmt::format("{}{}, {} layers, trained context {}", v.arch,
                    v.name.empty() ? "" : " (" + v.name + ")", v.n_layer, v.n_ctx_train);
    if (v.n_swa > 0)
      desc +=
          fmt::format("; sliding window {} tokens, every {}th layer global", v.n_swa, v.swa_period);
    else
      desc += "; every layer global";
    *out += "<p>" + E(desc) + ".</p>";
    for (const auto& n : v.notes) *out += "<p class=\"note\">" + E(n) + "</p>";
    if (!v.covered)
      *out +=
          "<p class=\"note\">This architecture's cache rule is not modelled: every layer is "
          "counted as global, an upper bound.</p>";
    // Weights.
    *out += fmt::format(
        "<div class=\"table-wrap\"><table class=\"memory-weights\" data-model=\"{}\"><thead><tr>"
        "{}{}</tr></thead><tbody>",
        E(v.label), Th("weights"), Th("bytes", true));
    *out += "<tr data-kind=\"stored\"><td>as stored (" + fmt::format("{:.0f}", v.n_params) +
            " parameters)</td>" + BytesCell(v.stored_bytes) + "</tr>";
    *out += "<tr data-kind=\"bf16\"><td>bf16</td>" + BytesCell(v.bf16_bytes) + "</tr>";
    *out += "<tr data-kind=\"q4_0\"><td>4-bit (q4_0)</td>" + BytesCell(v.q4_0_bytes) + "</tr>";
    *out += "</tbody></table></div>";
    // KV at each context x type, with weights + KV.
    std::vector<std::string> types;
    std::vector<int64_t> ctxs;
    for (const auto& k : v.kv) {
      if (std::find(types.begin(), types.end(), k.type) == types.end()) types.push_back(k.type);
      if (std::find(ctxs.begin(), ctxs.end(), k.n_ctx_requested) == ctxs.end())
        ctxs.push_back(k.n_ctx_requested);
    }
    std::sort(ctxs.begin(), ctxs.end());
    *out += fmt::format(
        "<div class=\"table-wrap\"><table class=\"memory-kv\" data-model=\"{}\"><thead><tr>{}",
        E(v.label), Th("context", true));
    for (const auto& t : types) *out += Th("KV " + t, true) + Th("weights + KV " + t, true);
    *out += "</tr></thead><tbody>";
    for (int64_t c : ctxs) {
      *out += fmt::format("<tr data-ctx=\"{0}\"><td class=\"num\" data-sort=\"{0}\">{0}</td>", c);
      for (const auto& t : types) {
        const KvMemoryView::Kv* k = nullptr;
        for (const auto& x : v.kv)
          if (x.n_ctx_requested == c && x.type == t) k = &x;
        if (k == nullptr) {
          *out += kNone + kNone;
          continue;
        }
        const std::string attrs =
            fmt::format(" data-ctx=\"{}\" data-type=\"{}\" title=\"{} cells global, {} sliding\"",
                        c, E(t), k->global_cells, k->swa_cells);
        *out += BytesCell(k->total_bytes, attrs + " data-kind=\"kv\"") +
                BytesCell(
                    k->weights_plus_kv_bytes,
                    fmt::format(" data-ctx=\"{}\" data-type=\"{}\" data-kind=\"total\"", c, E(t)));
      }
      *out += "</tr>";
    }
    *out += "</tbody></table></div>";
    // KV vs context at the first type: the model, all-global, and a readable subset of ratios.
    if (ctxs.size() < 2 || types.empty()) {
      *out += "<p class=\"note\">One context only: no memory-vs-context chart.</p></div>";
      continue;
    }
    const std::string type = types.front();
    int64_t window = 0;
    for (const auto& w : v.what_if)
      if (w.local_per_global > 0 && (window == 0 || w.window == v.n_swa)) window = w.window;
    LineChart chart;
    chart.title = fmt::format("KV cache ({}) vs context · {}", type, v.label);
    chart.x_label = "context (tokens)";
    chart.y_label = "KV cache";
    chart.log_x = true;
    chart.y_bytes = true;
    LineSeries model{"this model", {}, false, 0};
    for (int64_t c : ctxs)
      for (const auto& k : v.kv)
        if (k.n_ctx_requested == c && k.type == type)
          model.points.push_back({static_cast<double>(c), k.total_bytes, Ctx(c)});
    chart.series.push_back(std::move(model));
    auto what_if = [&](int64_t ratio, int64_t win, const std::string& name, bool dashed,
                       int colour) {
      LineSeries s{name, {}, dashed, colour};
      for (int64_t c : ctxs)
        for (const auto& w : v.what_if)
          if (w.n_ctx == c && w.type == type && w.local_per_global == ratio &&
              (ratio == 0 || w.window == win))
            s.points.push_back({static_cast<double>(c), w.total_bytes, Ctx(c)});
      if (!s.points.empty()) chart.series.push_back(std::move(s));
    };
    what_if(0, 0, "all layers global", true, 4);
    const int64_t ratios[] = {1, 3, 5, 7};
    const int colours[] = {1, 2, 3, 5};  // 0 is the model's, 4 all-global's
    for (int i = 0; i < 4; ++i)
      what_if(ratios[i], window, fmt::format("{}:1 local:global, window {}", ratios[i], window),
              true, colours[i]);
    *out += fmt::format("<div class=\"charts\"><figure class=\"memory-chart\" data-model=\"{}\">",
                        E(v.label)) +
            RenderLineChart(chart) + "</figure></div></div>";
  }
  *out += "</section>";
}

}  // namespace mnemo::reports
