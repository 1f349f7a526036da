#include "harness/core/metric_format.h"

#include <cmath>
#include <cstdio>

namespace mnemo {
namespace {

std::string Format(double v, bool sign) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? (sign ? "+inf" : "inf") : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, sign ? "%+.*f" : "%.*f", kMetricDecimals, v);
  return buf;
}

}  // namespace

std::string FormatMetric(double v) {
  return Format(v, false);
}

std::string FormatSignedMetric(double v) {
  return Format(v, true);
}

std::string FormatStderr(const std::optional<double>& v) {
  return v ? FormatMetric(*v) : "N/A";
}

}  // namespace mnemo
