// Wilson score interval for a binomial proportion (Wilson 1927), the interval the audit
// reports for every rate: well behaved at 0 and 1 and for small n, where the normal
// approximation collapses to a point.
//
// Thread-safety: pure functions.
#ifndef MNEMO_AUDITS_MEMORIZATION_WILSON_H_
#define MNEMO_AUDITS_MEMORIZATION_WILSON_H_

#include <cstdint>

namespace mnemo {
namespace memorization {

struct Interval {
  double low = 0.0;
  double high = 0.0;
};

// The interval for k successes in n trials at z (1.959964 for 95%); [0, 1] when n == 0.
Interval WilsonInterval(int64_t k, int64_t n, double z = 1.959963984540054);

}  // namespace memorization
}  // namespace mnemo

#endif  // MNEMO_AUDITS_MEMORIZATION_WILSON_H_
