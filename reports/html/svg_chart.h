// Inline SVG charts for the report: grouped bars (linear or log scale, with 95% interval
// whiskers) and rates with intervals over a log-scale numeric x. Charts render at their own
// pixel size (text stays at 11 px or more; a wide chart scrolls in its box), legends wrap
// inside the chart, and every label is HTML-escaped. Bars and points carry data-series /
// data-category / data-value attributes, so tests and readers can get the exact numbers.
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

// A rate with its interval at a numeric x (a duplication count): drawn on a log10 x axis,
// with n printed under each x and points resting on fewer than `few` units drawn hollow.
struct RatePoint {
  double x = 0;        // > 0 (x <= 0 is drawn at the left edge, outside the log axis)
  std::string x_name;  // the tick's text ("" = x itself), e.g. a bucket "4–7"
  int64_t k = 0, n = 0;
  Interval ci;
};

struct RateSeries {
  std::string name;
  std::vector<RatePoint> points;  // increasing x
  bool dashed = false;
  int colour = -1;
};

struct RateChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<RateSeries> series;
  int64_t few = 0;  // n below this: hollow marker, and the n label marked
};

// Lines over a numeric x (token positions, context lengths), linear or log2 x, linear or log10
// y, with an optional vertical marker (the training context). Points carry data-series, data-x
// and data-value.
struct LinePoint {
  double x = 0, y = 0;
  std::string label;  // the tooltip's name of the point ("" = x)
};

struct LineSeries {
  std::string name;
  std::vector<LinePoint> points;  // increasing x; non-finite y is skipped
  bool dashed = false;
  int colour = -1;
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<LineSeries> series;
  bool log_x = false;    // log2: ticks at the data's x values
  bool log_y = false;    // log10 (y must be > 0)
  bool y_bytes = false;  // y ticks as "1.5 MiB"
  std::optional<double> marker_x;
  std::string marker_label;
};

std::string RenderBarChart(const BarChart& chart);
std::string RenderLineChart(const LineChart& chart);
std::string RenderRateChart(const RateChart& chart);

// The palette colour of series `i` (CSS colour).
const char* SeriesColour(int i);

}  // namespace mnemo::reports

#endif  // MNEMO_REPORTS_HTML_SVG_CHART_H_
