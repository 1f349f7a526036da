#include "tasks/stats/mean.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mnemo {

double Mean(const std::vector<double>& xs) {
  if (xs.empty()) return 0.0;
  double s = 0.0;
  for (double x : xs) s += x;
  return s / static_cast<double>(xs.size());
}

double Median(std::vector<double> xs) {
  if (xs.empty()) return std::numeric_limits<double>::quiet_NaN();
  auto mid = xs.begin() + static_cast<std::ptrdiff_t>(xs.size() / 2);
  std::nth_element(xs.begin(), mid, xs.end());
  return *mid;
}

std::optional<double> SampleStddev(const std::vector<double>& xs) {
  if (xs.size() <= 1) return std::nullopt;
  double m = Mean(xs);
  double ss = 0.0;
  for (double x : xs) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(xs.size() - 1));
}

std::optional<double> MeanStderr(const std::vector<double>& xs) {
  auto sd = SampleStddev(xs);
  if (!sd) return std::nullopt;
  return *sd / std::sqrt(static_cast<double>(xs.size()));
}

}  // namespace mnemo
