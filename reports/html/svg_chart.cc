#include "reports/html/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "reports/html/html_escape.h"

namespace mnemo::reports {
namespace {

constexpr double kLeft = 64, kRight = 16, kTop = 34, kBottom = 70, kPlotH = 220;

std::string Fmt(double v) {
  return fmt::format("{:.1f}", v);
}

std::string Tick(double v) {
  if (v == 0) return "0";
  if (std::fabs(v) < 1e-3 || std::fabs(v) >= 1e5) return fmt::format("{:.0e}", v);
  return fmt::format("{:g}", v);
}

constexpr double kCharW = 6.6;  // a generous advance of an 11 px sans-serif character

double LegendItemWidth(const std::string& name) {
  return 28 + kCharW * static_cast<double>(std::min<size_t>(name.size(), 48));
}

// Rows the legend needs within `width` (items wrap; none is cut).
int LegendRows(const std::vector<std::pair<std::string, std::string>>& items, double width,
               double left) {
  int rows = items.empty() ? 0 : 1;
  double x = left;
  for (const auto& item : items) {
    double w = LegendItemWidth(item.first);
    if (x > left && x + w > width) {
      ++rows;
      x = left;
    }
    x += w;
  }
  return rows;
}

// The legend from baseline `y` down, wrapping at `width`. `style` is the swatch's attributes.
std::string Legend(const std::vector<std::pair<std::string, std::string>>& items, double y,
                   double left, double width) {
  std::string out;
  double x = left;
  for (const auto& [name, style] : items) {
    double w = LegendItemWidth(name);
    if (x > left && x + w > width) {
      x = left;
      y += 18;
    }
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" {}/>", Fmt(x),
                       Fmt(y - 10), style);
    std::string shown = name.size() > 48 ? name.substr(0, 47) + "…" : name;
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>", Fmt(x + 16), Fmt(y),
                       HtmlEscape(shown));
    x += w;
  }
  return out;
}

std::string FillStyle(int colour, bool hatched) {
  return fmt::format("fill=\"{}\"{}", SeriesColour(colour),
                     hatched ? " fill-opacity=\"0.45\" stroke=\"" +
                                   std::string(SeriesColour(colour)) + "\" stroke-width=\"1.5\""
                             : "");
}

// The opening of a chart's SVG: the scalable frame, its accessible title and the visible one.
std::string SvgOpen(double width, double height, const std::string& title) {
  return fmt::format(
             "<svg class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
             "role=\"img\" "
             "xmlns=\"http://www.w3.org/2000/svg\" "
             "preserveAspectRatio=\"xMinYMin meet\"><title>{2}</title>",
             Fmt(width), Fmt(height), HtmlEscape(title)) +
         fmt::format("<text x=\"{}\" y=\"16\" class=\"chart-title\">{}</text>", Fmt(kLeft),
                     HtmlEscape(title));
}

}  // namespace

const char* SeriesColour(int i) {
  static const char* kPalette[] = {"#3366cc", "#dc7633", "#2e9e5b", "#a23ca8",
                                   "#c0392b", "#17a2b8", "#7f8c8d", "#b7950b"};
  return kPalette[static_cast<size_t>(i < 0 ? 0 : i) % (sizeof kPalette / sizeof kPalette[0])];
}

std::string RenderBarChart(const BarChart& c) {
  size_t nc = c.categories.size(), ns = c.series.size();
  double group_w = std::max(40.0, 18.0 * static_cast<double>(ns) + 24);
  double plot_w = std::max(240.0, group_w * static_cast<double>(nc));
  // Long category labels are turned 30° clockwise, hanging down and to the right of their
  // group; the chart grows right and down to hold them.
  size_t longest = 0;
  for (const auto& cat : c.categories) longest = std::max(longest, cat.size());
  double label_w = 6.2 * static_cast<double>(std::min<size_t>(longest, 60));
  bool rotate = label_w > group_w - 4;
  double extra_right = rotate ? label_w * 0.87 - group_w / 2 : 0;
  double label_h = rotate ? label_w * 0.5 + 16 : 22;
  double width = kLeft + plot_w + kRight + std::max(0.0, extra_right);
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t si = 0; si < ns; ++si)
    legend.emplace_back(
        c.series[si].name,
        FillStyle(c.series[si].colour >= 0 ? c.series[si].colour : static_cast<int>(si),
                  c.series[si].hatched));
  int legend_rows = LegendRows(legend, width - kRight, kLeft);
  double height = kTop + kPlotH + label_h + 12 + 18.0 * legend_rows;

  // Scale.
  double lo = 0, hi = 1;
  if (c.log_scale) {
    double min_pos = 1;
    double max_v = 0;
    for (const auto& s : c.series)
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (s.values[i] && *s.values[i] > 0) min_pos = std::min(min_pos, *s.values[i]);
        if (s.values[i]) max_v = std::max(max_v, *s.values[i]);
        if (i < s.ci.size() && s.ci[i] && s.ci[i]->low > 0)
          min_pos = std::min(min_pos, s.ci[i]->low);
      }
    lo = std::pow(10.0, std::floor(std::log10(min_pos)) - (min_pos >= 1 ? 1 : 0));
    hi = std::max(1.0, std::pow(10.0, std::ceil(std::log10(std::max(max_v, lo * 10)))));
  } else {
    hi = 0;
    for (const auto& s : c.series)
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (s.values[i] && std::isfinite(*s.values[i])) hi = std::max(hi, *s.values[i]);
        if (i < s.ci.size() && s.ci[i]) hi = std::max(hi, s.ci[i]->high);
      }
    if (c.y_max) hi = std::max(hi, *c.y_max);
    if (hi <= 0) hi = 1;
  }
  auto y_of = [&](double v) {
    double f;
    if (c.log_scale) {
      v = std::max(v, lo);
      f = (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    } else {
      f = v / hi;
    }
    f = std::clamp(f, 0.0, 1.0);
    return kTop + kPlotH * (1 - f);
  };

  std::string out = SvgOpen(width, height, c.title);
  // Grid and ticks.
  std::vector<double> ticks;
  if (c.log_scale) {
    for (double t = lo; t <= hi * 1.0001; t *= 10) ticks.push_back(t);
  } else {
    double step = std::pow(10.0, std::floor(std::log10(hi / 4)));
    if (hi / step > 8) step *= 2;
    if (hi / step > 8) step *= 2.5;
    for (double t = 0; t <= hi * 1.0001; t += step) ticks.push_back(t);
  }
  for (double t : ticks) {
    double y = y_of(t);
    out += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"grid\"/><text x=\"{}\" y=\"{}\" "
        "class=\"tick\" text-anchor=\"end\">{}</text>",
        Fmt(kLeft), Fmt(kLeft + plot_w), Fmt(y), Fmt(y), Fmt(kLeft - 6), Fmt(y + 4), Tick(t));
  }
  out += fmt::format(
      "<text transform=\"translate(14 {}) rotate(-90)\" class=\"axis-label\" "
      "text-anchor=\"middle\">{}{}</text>",
      Fmt(kTop + kPlotH / 2), HtmlEscape(c.y_label), c.log_scale ? " (log scale)" : "");
  // Bars.
  double bar_w = (group_w - 16) / static_cast<double>(std::max<size_t>(ns, 1));
  for (size_t ci = 0; ci < nc; ++ci) {
    double gx = kLeft + group_w * static_cast<double>(ci) + 8;
    for (size_t si = 0; si < ns; ++si) {
      const BarSeries& s = c.series[si];
      if (ci >= s.values.size() || !s.values[ci] || !std::isfinite(*s.values[ci])) continue;
      double v = *s.values[ci];
      double x = gx + bar_w * static_cast<double>(si);
      int colour = s.colour >= 0 ? s.colour : static_cast<int>(si);
      std::string attrs =
          fmt::format("data-series=\"{}\" data-category=\"{}\" data-value=\"{:.17g}\"",
                      HtmlEscape(s.name), HtmlEscape(c.categories[ci]), v);
      if (c.log_scale && v <= 0) {
        double y = kTop + kPlotH;
        out += fmt::format(
            "<g class=\"bar zero\" {}><title>{} · {}: 0</title><line x1=\"{}\" x2=\"{}\" "
            "y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"/><text x=\"{}\" y=\"{}\" "
            "class=\"tick\" text-anchor=\"middle\">0</text></g>",
            attrs, HtmlEscape(s.name), HtmlEscape(c.categories[ci]), Fmt(x + 1), Fmt(x + bar_w - 1),
            Fmt(y - 1.5), Fmt(y - 1.5), SeriesColour(colour), Fmt(x + bar_w / 2), Fmt(y - 6));
        continue;
      }
      double y = y_of(v);
      out += fmt::format(
          "<g class=\"bar\" {}><title>{} · {}: {}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" "
          "height=\"{}\" {}/>",
          attrs, HtmlEscape(s.name), HtmlEscape(c.categories[ci]), fmt::format("{:.4g}", v),
          Fmt(x + 1), Fmt(y), Fmt(std::max(1.0, bar_w - 2)), Fmt(kTop + kPlotH - y),
          FillStyle(colour, s.hatched));
      if (ci < s.ci.size() && s.ci[ci]) {
        double y1 = y_of(s.ci[ci]->low), y2 = y_of(s.ci[ci]->high), xm = x + bar_w / 2;
        out += fmt::format("<path d=\"M{} {}V{}M{} {}h6M{} {}h6\" class=\"whisker\"/>", Fmt(xm),
                           Fmt(y1), Fmt(y2), Fmt(xm - 3), Fmt(y1), Fmt(xm - 3), Fmt(y2));
      }
      out += "</g>";
    }
    // Category label, rotated when long.
    double lx = gx + (group_w - 16) / 2, ly = kTop + kPlotH + 14;
    const std::string& label = c.categories[ci];
    if (rotate)
      out += fmt::format(
          "<text transform=\"translate({} {}) rotate(30)\" class=\"tick\" "
          "text-anchor=\"start\">{}</text>",
          Fmt(lx - 4), Fmt(ly - 6), HtmlEscape(label));
    else
      out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
                         Fmt(lx), Fmt(ly), HtmlEscape(label));
  }
  out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"axis\"/>", Fmt(kLeft),
                     Fmt(kLeft + plot_w), Fmt(kTop + kPlotH), Fmt(kTop + kPlotH));
  out += Legend(legend, kTop + kPlotH + label_h + 14, kLeft, width - kRight);
  out += "</svg>";
  return out;
}

std::string RenderRateChart(const RateChart& c) {
  const double width = 560, plot_l = kLeft + 22, plot_r = width - kRight - 10, pad = 16;
  // x on log10 between whole decades around the data; x <= 0 sits left of the axis.
  double min_x = 0, max_x = 0;
  bool have = false;
  for (const auto& s : c.series)
    for (const auto& p : s.points) {
      if (p.x <= 0) continue;
      min_x = have ? std::min(min_x, p.x) : p.x;
      max_x = have ? std::max(max_x, p.x) : p.x;
      have = true;
    }
  double lo = have ? std::floor(std::log10(min_x)) : 0,
         hi = have ? std::ceil(std::log10(max_x)) : 1;
  if (hi <= lo) hi = lo + 1;
  auto x_of = [&](double x) {
    if (x <= 0) return plot_l + 4;
    return plot_l + pad + (plot_r - plot_l - 2 * pad) * (std::log10(x) - lo) / (hi - lo);
  };
  double y_hi = 0;
  for (const auto& s : c.series)
    for (const auto& p : s.points)
      y_hi = std::max(y_hi, std::max(p.ci.high, p.n ? double(p.k) / p.n : 0.0));
  y_hi = y_hi <= 0.25 ? 0.25 : y_hi <= 0.5 ? 0.5 : 1.0;
  auto y_of = [&](double v) { return kTop + kPlotH * (1 - std::clamp(v / y_hi, 0.0, 1.0)); };

  std::vector<std::pair<std::string, std::string>> legend;
  bool any_few = false;
  for (size_t si = 0; si < c.series.size(); ++si) {
    const RateSeries& s = c.series[si];
    int colour = s.colour >= 0 ? s.colour : static_cast<int>(si);
    legend.emplace_back(s.name, fmt::format("fill=\"{}\"{}", SeriesColour(colour),
                                            s.dashed ? " fill-opacity=\"0.45\"" : ""));
    for (const auto& p : s.points) any_few |= p.n < c.few;
  }
  if (any_few)
    legend.emplace_back("hollow: fewer than " + std::to_string(c.few) + " probes",
                        "fill=\"#fff\" stroke=\"#5f6b7a\" stroke-width=\"1.5\"");
  const double axis_y = kTop + kPlotH;
  const double n_y = axis_y + 30, label_y = axis_y + 48;
  int legend_rows = LegendRows(legend, width - kRight, kLeft);
  const double height = label_y + 14 + 18.0 * legend_rows;

  std::string out = SvgOpen(width, height, c.title);
  for (int k = 0; k <= 4; ++k) {
    double t = y_hi * k / 4, y = y_of(t);
    out += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"grid\"/><text x=\"{}\" y=\"{}\" "
        "class=\"tick\" text-anchor=\"end\">{}</text>",
        Fmt(plot_l), Fmt(plot_r), Fmt(y), Fmt(y), Fmt(plot_l - 6), Fmt(y + 4), Tick(t));
  }
  // Decade grid lines, labelled unless a data x is labelled near them.
  std::set<double> xs;
  std::map<double, std::pair<int64_t, int64_t>> n_at;  // x -> min, max n over series
  std::map<double, std::string> names;
  for (const auto& s : c.series)
    for (const auto& p : s.points) {
      xs.insert(p.x);
      if (!p.x_name.empty()) names[p.x] = p.x_name;
      auto it = n_at.find(p.x);
      if (it == n_at.end())
        n_at[p.x] = {p.n, p.n};
      else
        it->second = {std::min(it->second.first, p.n), std::max(it->second.second, p.n)};
    }
  for (double d = lo; d <= hi + 1e-9; d += 1) {
    double x = x_of(std::pow(10.0, d));
    out += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" class=\"grid\"/>", Fmt(x),
                       Fmt(kTop), Fmt(axis_y));
    bool near = false;
    for (double v : xs) near |= std::fabs(x_of(v) - x) < 24;
    if (!near)
      out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
                         Fmt(x), Fmt(axis_y + 14), Tick(std::pow(10.0, d)));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">n</text>",
                     Fmt(plot_l - 4), Fmt(n_y));
  for (double v : xs) {
    auto [n_lo, n_hi] = n_at[v];
    bool few = n_lo < c.few;
    out += fmt::format(
        "<text x=\"{0}\" y=\"{1}\" class=\"tick\" text-anchor=\"middle\">{2}</text><text "
        "x=\"{0}\" y=\"{3}\" class=\"tick n{4}\" text-anchor=\"middle\" data-x=\"{5:.17g}\" "
        "data-n=\"{6}\">{7}</text>",
        Fmt(x_of(v)), Fmt(axis_y + 14),
        HtmlEscape(names.count(v) ? names[v]
                   : v <= 0       ? std::string("0")
                                  : Tick(v)),
        Fmt(n_y), few ? " few" : "", v, n_lo,
        (n_lo == n_hi ? std::to_string(n_lo) : std::to_string(n_lo) + "–" + std::to_string(n_hi)) +
            (few ? "†" : ""));
  }
  out +=
      fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis-label\" text-anchor=\"middle\">{}</text>",
                  Fmt((plot_l + plot_r) / 2), Fmt(label_y), HtmlEscape(c.x_label));
  out += fmt::format(
      "<text transform=\"translate(14 {}) rotate(-90)\" class=\"axis-label\" "
      "text-anchor=\"middle\">{}</text>",
      Fmt(kTop + kPlotH / 2), HtmlEscape(c.y_label));
  const double ns = static_cast<double>(c.series.size());
  for (size_t si = 0; si < c.series.size(); ++si) {
    const RateSeries& s = c.series[si];
    int colour = s.colour >= 0 ? s.colour : static_cast<int>(si);
    double dx = (static_cast<double>(si) - (ns - 1) / 2) * 4;  // whiskers side by side
    std::string d;
    for (const auto& p : s.points) {
      if (p.n == 0) continue;
      d += fmt::format("{}{} {}", d.empty() ? "M" : "L", Fmt(x_of(p.x) + dx),
                       Fmt(y_of(double(p.k) / p.n)));
    }
    out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>", d,
                       SeriesColour(colour), s.dashed ? " stroke-dasharray=\"5 4\"" : "");
    for (const auto& p : s.points) {
      if (p.n == 0) continue;
      double r = double(p.k) / p.n, x = x_of(p.x) + dx;
      bool few = p.n < c.few;
      out += fmt::format(
          "<g class=\"point{}\" data-series=\"{}\" data-x=\"{:.17g}\" data-value=\"{:.17g}\" "
          "data-n=\"{}\" data-low=\"{:.17g}\" data-high=\"{:.17g}\"><title>{} · {}: {} of {} = "
          "{:.3f} [{:.3f}, {:.3f}]</title><path d=\"M{} {}V{}M{} {}h6M{} {}h6\" stroke=\"{}\" "
          "stroke-width=\"1.2\" fill=\"none\"/><circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\" "
          "stroke=\"{}\" stroke-width=\"1.5\"/></g>",
          few ? " few" : "", HtmlEscape(s.name), p.x, r, p.n, p.ci.low, p.ci.high,
          HtmlEscape(s.name), Tick(p.x), p.k, p.n, r, p.ci.low, p.ci.high, Fmt(x),
          Fmt(y_of(p.ci.low)), Fmt(y_of(p.ci.high)), Fmt(x - 3), Fmt(y_of(p.ci.low)), Fmt(x - 3),
          Fmt(y_of(p.ci.high)), SeriesColour(colour), Fmt(x), Fmt(y_of(r)),
          few ? "#fff" : SeriesColour(colour), SeriesColour(colour));
    }
  }
  out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"axis\"/>", Fmt(plot_l),
                     Fmt(plot_r), Fmt(axis_y), Fmt(axis_y));
  out += Legend(legend, label_y + 22, kLeft, width - kRight);
  out += "</svg>";
  return out;
}

namespace {

std::string BytesTick(double v) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (std::fabs(v) >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:g} {}", std::round(v * 100) / 100, units[u]);
}

// About `target` round ticks from 0 (or lo) to hi.
std::vector<double> LinearTicks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!(hi > lo)) return {lo};
  double raw = (hi - lo) / target;
  double step = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (step * m >= raw) {
      step *= m;
      break;
    }
  for (double t = std::ceil(lo / step) * step; t <= hi * (1 + 1e-9); t += step) out.push_back(t);
  return out;
}

}  // namespace

std::string RenderLineChart(const LineChart& c) {
  const double width = 600, plot_l = kLeft + 28, plot_r = width - kRight - 12, pad = 12;
  double x_lo = 0, x_hi = 0, y_lo = 0, y_hi = 0;
  bool have = false;
  std::set<double> xs;
  for (const auto& s : c.series)
    for (const auto& p : s.points) {
      if (!std::isfinite(p.y) || (c.log_y && p.y <= 0) || (c.log_x && p.x <= 0)) continue;
      x_lo = have ? std::min(x_lo, p.x) : p.x;
      x_hi = have ? std::max(x_hi, p.x) : p.x;
      y_lo = have ? std::min(y_lo, p.y) : p.y;
      y_hi = have ? std::max(y_hi, p.y) : p.y;
      xs.insert(p.x);
      have = true;
    }
  if (!have) x_lo = y_lo = 1, x_hi = y_hi = 2;
  if (c.marker_x && (!c.log_x || *c.marker_x > 0)) {
    x_lo = std::min(x_lo, *c.marker_x);
    x_hi = std::max(x_hi, *c.marker_x);
  }
  if (!c.log_x) x_lo = std::min(x_lo, 0.0);
  if (x_hi <= x_lo) x_hi = x_lo + 1;
  // y: a log axis spans whole decades (or its 1-2-5 steps when the data sit in one); a linear
  // one starts at 0.
  std::vector<double> y_ticks;
  if (c.log_y) {
    double lo = std::pow(10.0, std::floor(std::log10(y_lo)));
    double hi = std::pow(10.0, std::ceil(std::log10(y_hi)));
    if (hi <= lo) hi = lo * 10;
    for (double d = lo; d <= hi * 1.0001; d *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (d * m <= hi * 1.0001 && (hi / lo <= 100 || m == 1.0)) y_ticks.push_back(d * m);
    y_lo = lo;
    y_hi = hi;
  } else if (c.y_bytes) {
    // Round ticks in the largest binary unit below the top: 0.5 MiB steps, not 976.56 KiB.
    double unit = 1;
    while (y_hi / unit >= 1024 && unit < 1099511627776.0) unit *= 1024;
    y_lo = 0;
    for (double t : LinearTicks(0, y_hi > 0 ? y_hi / unit : 1, 5)) y_ticks.push_back(t * unit);
    y_hi = std::max(y_hi, y_ticks.back());
    if (y_hi <= 0) y_hi = 1;
  } else {
    y_lo = 0;
    y_ticks = LinearTicks(0, y_hi > 0 ? y_hi : 1, 5);
    y_hi = std::max(y_hi, y_ticks.back());
    if (y_hi <= 0) y_hi = 1;
  }
  auto x_of = [&](double x) {
    double f = c.log_x ? (std::log2(std::max(x, x_lo)) - std::log2(x_lo)) /
                             std::max(1e-9, std::log2(x_hi) - std::log2(x_lo))
                       : (x - x_lo) / (x_hi - x_lo);
    return plot_l + pad + (plot_r - plot_l - 2 * pad) * std::clamp(f, 0.0, 1.0);
  };
  auto y_of = [&](double y) {
    double f = c.log_y ? (std::log10(std::max(y, y_lo)) - std::log10(y_lo)) /
                             (std::log10(y_hi) - std::log10(y_lo))
                       : (y - y_lo) / (y_hi - y_lo);
    return kTop + kPlotH * (1 - std::clamp(f, 0.0, 1.0));
  };
  auto y_text = [&](double v) { return c.y_bytes ? BytesTick(v) : Tick(v); };

  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t si = 0; si < c.series.size(); ++si) {
    const LineSeries& s = c.series[si];
    int colour = s.colour >= 0 ? s.colour : static_cast<int>(si);
    legend.emplace_back(s.name, fmt::format("fill=\"{}\"{}", SeriesColour(colour),
                                            s.dashed ? " fill-opacity=\"0.45\"" : ""));
  }
  const double axis_y = kTop + kPlotH, label_y = axis_y + 34;
  int legend_rows = LegendRows(legend, width - kRight, kLeft);
  const double height = label_y + 14 + 18.0 * legend_rows;

  std::string out = SvgOpen(width, height, c.title);
  for (double t : y_ticks) {
    double y = y_of(t);
    out += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"grid\"/><text x=\"{}\" y=\"{}\" "
        "class=\"tick\" text-anchor=\"end\">{}</text>",
        Fmt(plot_l), Fmt(plot_r), Fmt(y), Fmt(y), Fmt(plot_l - 6), Fmt(y + 4), y_text(t));
  }
  std::vector<double> x_ticks;
  if (c.log_x && xs.size() <= 12) {
    x_ticks.assign(xs.begin(), xs.end());
  } else if (c.log_x) {
    for (double t = std::pow(2.0, std::ceil(std::log2(x_lo))); t <= x_hi * 1.0001; t *= 2)
      x_ticks.push_back(t);
  } else {
    x_ticks = LinearTicks(x_lo, x_hi, 6);
  }
  for (double t : x_ticks) {
    double x = x_of(t);
    out += fmt::format(
        "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" class=\"grid\"/><text x=\"{0}\" "
        "y=\"{3}\" class=\"tick\" text-anchor=\"middle\">{4}</text>",
        Fmt(x), Fmt(kTop), Fmt(axis_y), Fmt(axis_y + 14), Tick(t));
  }
  out +=
      fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis-label\" text-anchor=\"middle\">{}{}</text>",
                  Fmt((plot_l + plot_r) / 2), Fmt(label_y), HtmlEscape(c.x_label),
                  c.log_x ? " (log scale)" : "");
  out += fmt::format(
      "<text transform=\"translate(14 {}) rotate(-90)\" class=\"axis-label\" "
      "text-anchor=\"middle\">{}{}</text>",
      Fmt(kTop + kPlotH / 2), HtmlEscape(c.y_label), c.log_y ? " (log scale)" : "");
  if (c.marker_x && (!c.log_x || *c.marker_x > 0)) {
    double x = x_of(*c.marker_x);
    out += fmt::format(
        "<g class=\"marker\" data-x=\"{2:.17g}\"><line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" "
        "y2=\"{3}\" stroke=\"#5f6b7a\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/><text "
        "x=\"{4}\" y=\"{5}\" class=\"tick\" text-anchor=\"end\">{6}</text></g>",
        Fmt(x), Fmt(kTop), *c.marker_x, Fmt(axis_y), Fmt(x - 4), Fmt(kTop + 12),
        HtmlEscape(c.marker_label));
  }
  for (size_t si = 0; si < c.series.size(); ++si) {
    const LineSeries& s = c.series[si];
    int colour = s.colour >= 0 ? s.colour : static_cast<int>(si);
    std::string d, points;
    for (const auto& p : s.points) {
      if (!std::isfinite(p.y) || (c.log_y && p.y <= 0) || (c.log_x && p.x <= 0)) continue;
      d += fmt::format("{}{} {}", d.empty() ? "M" : "L", Fmt(x_of(p.x)), Fmt(y_of(p.y)));
      points += fmt::format(
          "<g class=\"point\" data-series=\"{0}\" data-x=\"{1:.17g}\" data-value=\"{2:.17g}\">"
          "<title>{0} · {3}: {4}</title><circle cx=\"{5}\" cy=\"{6}\" r=\"3.5\" fill=\"{7}\"/>"
          "</g>",
          HtmlEscape(s.name), p.x, p.y, HtmlEscape(p.label.empty() ? Tick(p.x) : p.label),
          c.y_bytes ? BytesTick(p.y) : fmt::format("{:.4g}", p.y), Fmt(x_of(p.x)), Fmt(y_of(p.y)),
          SeriesColour(colour));
    }
    out += fmt::format(
        "<path class=\"line\" data-series=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
        "stroke-width=\"2\"{}/>",
        HtmlEscape(s.name), d, SeriesColour(colour), s.dashed ? " stroke-dasharray=\"5 4\"" : "");
    out += points;
  }
  out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"axis\"/>", Fmt(plot_l),
                     Fmt(plot_r), Fmt(axis_y), Fmt(axis_y));
  out += Legend(legend, label_y + 22, kLeft, width - kRight);
  out += "</svg>";
  return out;
}

}  // namespace mnemo::reports
