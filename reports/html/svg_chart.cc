#include "reports/html/svg_chart.h"

#include <algorithm>
#include <cmath>

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

std::string Legend(const std::vector<std::pair<std::string, std::string>>& items, double y,
                   double left) {
  std::string out;
  double x = left;
  for (const auto& [name, style] : items) {
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" {}/>", Fmt(x),
                       Fmt(y - 10), style);
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>", Fmt(x + 16), Fmt(y),
                       HtmlEscape(name));
    x += 28 + 7.0 * static_cast<double>(std::min<size_t>(name.size(), 40));
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
             "<svg class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" "
             "xmlns=\"http://www.w3.org/2000/svg\" "
             "preserveAspectRatio=\"xMinYMin meet\"><title>{}</title>",
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
  double height = kTop + kPlotH + label_h + 30;

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
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t si = 0; si < ns; ++si)
    legend.emplace_back(
        c.series[si].name,
        FillStyle(c.series[si].colour >= 0 ? c.series[si].colour : static_cast<int>(si),
                  c.series[si].hatched));
  out += Legend(legend, height - 8, kLeft);
  out += "</svg>";
  return out;
}

std::string RenderLineChart(const LineChart& c) {
  size_t nx = c.x_categories.size();
  double step = 64;
  double plot_w = std::max(240.0, step * static_cast<double>(std::max<size_t>(nx, 1)));
  double width = kLeft + plot_w + kRight, height = kTop + kPlotH + kBottom;
  double hi = c.y_max > 0 ? c.y_max : 1;
  auto x_of = [&](size_t i) { return kLeft + step * (static_cast<double>(i) + 0.5); };
  auto y_of = [&](double v) { return kTop + kPlotH * (1 - std::clamp(v / hi, 0.0, 1.0)); };
  std::string out = SvgOpen(width, height, c.title);
  for (int k = 0; k <= 4; ++k) {
    double t = hi * k / 4, y = y_of(t);
    out += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"grid\"/><text x=\"{}\" y=\"{}\" "
        "class=\"tick\" text-anchor=\"end\">{}</text>",
        Fmt(kLeft), Fmt(kLeft + plot_w), Fmt(y), Fmt(y), Fmt(kLeft - 6), Fmt(y + 4), Tick(t));
  }
  for (size_t i = 0; i < nx; ++i)
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
                       Fmt(x_of(i)), Fmt(kTop + kPlotH + 14), HtmlEscape(c.x_categories[i]));
  out +=
      fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis-label\" text-anchor=\"middle\">{}</text>",
                  Fmt(kLeft + plot_w / 2), Fmt(kTop + kPlotH + 32), HtmlEscape(c.x_label));
  out += fmt::format(
      "<text transform=\"translate(14 {}) rotate(-90)\" class=\"axis-label\" "
      "text-anchor=\"middle\">{}</text>",
      Fmt(kTop + kPlotH / 2), HtmlEscape(c.y_label));
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t si = 0; si < c.series.size(); ++si) {
    const LineSeries& s = c.series[si];
    int colour = s.colour >= 0 ? s.colour : static_cast<int>(si);
    std::string d;
    for (size_t i = 0; i < nx && i < s.values.size(); ++i) {
      if (!s.values[i]) continue;
      d += fmt::format("{}{} {}", d.empty() ? "M" : "L", Fmt(x_of(i)), Fmt(y_of(*s.values[i])));
    }
    out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>", d,
                       SeriesColour(colour), s.dashed ? " stroke-dasharray=\"5 4\"" : "");
    for (size_t i = 0; i < nx && i < s.values.size(); ++i) {
      if (!s.values[i]) continue;
      out += fmt::format(
          "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\" data-series=\"{}\" "
          "data-category=\"{}\" data-value=\"{:.17g}\"><title>{} · {}: {:.4g}</title></circle>",
          Fmt(x_of(i)), Fmt(y_of(*s.values[i])), SeriesColour(colour), HtmlEscape(s.name),
          HtmlEscape(c.x_categories[i]), *s.values[i], HtmlEscape(s.name),
          HtmlEscape(c.x_categories[i]), *s.values[i]);
    }
    legend.emplace_back(s.name, fmt::format("fill=\"{}\"{}", SeriesColour(colour),
                                            s.dashed ? " fill-opacity=\"0.45\"" : ""));
  }
  out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"axis\"/>", Fmt(kLeft),
                     Fmt(kLeft + plot_w), Fmt(kTop + kPlotH), Fmt(kTop + kPlotH));
  out += Legend(legend, height - 8, kLeft);
  out += "</svg>";
  return out;
}

}  // namespace mnemo::reports
