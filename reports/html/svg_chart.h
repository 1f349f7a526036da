// Inline SVG charts for the report: grouped bars (linear or log scale, with 95% interval
// whiskers) and lines over categorical x values. Output scales with its container (viewBox)
// and every label is HTML-escaped. Bars and points carry data-series / data-category /
// data-value attributes, so tests and readers can get the exact numbers.
#ifndef MNEMO_REPORTS_HTML_SVG_CHART_H_
#define MNEMO_REPORTS_HTML_SVG_CHART_H_

#include <optional>
#include <string>
#include <vector>

#include "tasks/stats/intervals.h"
#include "tasks/stats/paired_tests.h"

namespace mnemo::reports {

struct BarSeries {
  std::string name;
  std::vector<std::optional<double>> values;  // one per category; nullopt = no bar
  std::vector<std::optional<Interval>> ci;    // empty or one per category
  bool hatched = false;                       // the lighter variant of the colour
  int colour = -1;                            // palette index; -1 = series index
};

struct BarChart {
  std::string title;
  std::string y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  bool log_scale = false;       // y on log10; zero values drawn as a mark at the floor
  std::optional<double> y_max;  // linear: default max of values and intervals
};

struct LineSeries {
  std::string name;
  std::vector<std::optional<double>> values;  // one per x category
  bool dashed = false;
  int colour = -1;
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<std::string> x_categories;
  std::vector<LineSeries> series;
  double y_max = 1.0;
};

std::string RenderBarChart(const BarChart& chart);
std::string RenderLineChart(const LineChart& chart);

// The palette colour of series `i` (CSS colour).
const char* SeriesColour(int i);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_HTML_SVG_CHART_H_
