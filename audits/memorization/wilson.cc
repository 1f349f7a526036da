#include "audits/memorization/wilson.h"

#include <algorithm>
#include <cmath>

namespace mnemo {
namespace memorization {

Interval WilsonInterval(int64_t k, int64_t n, double z) {
  if (n <= 0) return {0.0, 1.0};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double center = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  Interval iv{std::max(0.0, center - half), std::min(1.0, center + half)};
  if (k == 0) iv.low = 0.0;
  if (k == n) iv.high = 1.0;
  return iv;
}

}  // namespace memorization
}  // namespace mnemo
