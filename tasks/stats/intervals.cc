#include "tasks/stats/intervals.h"

#include <algorithm>
#include <cmath>

#include <boost/math/special_functions/beta.hpp>

namespace mnemo {

Interval WilsonInterval(int64_t k, int64_t n, double z) {
  if (n <= 0) return {0.0, 1.0};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double center = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  Interval iv{std::max(0.0, center - half), std::min(1.0, center + half)};
  // Rounding must not move the closed ends: 0 successes bound the rate by 0, n by 1.
  if (k == 0) iv.low = 0.0;
  if (k == n) iv.high = 1.0;
  return iv;
}

Interval WilsonIntervalCC(int64_t k, int64_t n, double z) {
  if (n <= 0) return {0.0, 1.0};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn, q = 1.0 - p;
  const double z2 = z * z, denom = 2.0 * (nn + z2);
  Interval iv{0.0, 1.0};
  if (k > 0)
    iv.low = std::max(0.0, (2.0 * nn * p + z2 - 1.0 -
                            z * std::sqrt(z2 - 2.0 - 1.0 / nn + 4.0 * p * (nn * q + 1.0))) /
                               denom);
  if (k < n)
    iv.high = std::min(1.0, (2.0 * nn * p + z2 + 1.0 +
                             z * std::sqrt(z2 + 2.0 - 1.0 / nn + 4.0 * p * (nn * q - 1.0))) /
                                denom);
  return iv;
}

Interval ClopperPearsonInterval(int64_t k, int64_t n, double alpha) {
  if (n <= 0) return {0.0, 1.0};
  const double kk = static_cast<double>(k), nn = static_cast<double>(n);
  Interval iv{0.0, 1.0};
  if (k > 0) iv.low = boost::math::ibeta_inv(kk, nn - kk + 1.0, alpha / 2.0);
  if (k < n) iv.high = boost::math::ibeta_inv(kk + 1.0, nn - kk, 1.0 - alpha / 2.0);
  return iv;
}

Interval NormalInterval(double value, double stderr_value, double z) {
  return {value - z * stderr_value, value + z * stderr_value};
}

}  // namespace mnemo
