#include "tasks/stats/mean.h"

#include <cmath>

namespace mnemo {

double Mean(const std::vector<double>& xs) {
  if (xs.empty()) return 0.0;
  double s = 0.0;
  for (double x : xs) s += x;
  return s / static_cast<double>(xs.size());
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
