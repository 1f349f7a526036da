#include "harness/scheduler/batching.h"

#include <algorithm>

namespace mnemo {

std::vector<std::vector<size_t>> MakeBatches(const std::vector<Request>& requests,
                                             const std::vector<size_t>& pending,
                                             const SchedulerOptions& opt) {
  std::vector<size_t> order = pending;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Request& x = requests[a];
    const Request& y = requests[b];
    if (x.context.size() + x.gen.max_tokens * (x.kind == MN_REQ_GENERATE) !=
        y.context.size() + y.gen.max_tokens * (y.kind == MN_REQ_GENERATE))
      return x.context.size() + x.gen.max_tokens * (x.kind == MN_REQ_GENERATE) >
             y.context.size() + y.gen.max_tokens * (y.kind == MN_REQ_GENERATE);
    if (x.context != y.context) return x.context < y.context;
    return x.continuation.size() > y.continuation.size();
  });
  std::vector<std::vector<size_t>> batches;
  std::vector<size_t> cur;
  size_t tokens = 0;
  size_t i = 0;
  while (i < order.size()) {
    // The run of requests sharing this context.
    size_t j = i + 1;
    size_t group_tokens = requests[order[i]].cost();
    while (j < order.size() && requests[order[j]].context == requests[order[i]].context &&
           requests[order[j]].kind == requests[order[i]].kind) {
      group_tokens += requests[order[j]].continuation.size();
      ++j;
    }
    size_t group = j - i;
    if (!cur.empty() &&
        (cur.size() + group > opt.max_batch || tokens + group_tokens > opt.max_batch_tokens)) {
      batches.push_back(std::move(cur));
      cur.clear();
      tokens = 0;
    }
    for (size_t k = i; k < j; ++k) {
      // The context is paid once per batch; a group larger than a batch (requests or tokens:
      // e.g. every perplexity window behind one BOS) is split, and each part pays it again.
      const Request& r = requests[order[k]];
      size_t add = k == i ? r.cost() : r.continuation.size();
      if (!cur.empty() && (cur.size() >= opt.max_batch || tokens + add > opt.max_batch_tokens)) {
        batches.push_back(std::move(cur));
        cur.clear();
        tokens = 0;
        add = r.cost();
      }
      cur.push_back(order[k]);
      tokens += add;
    }
    i = j;
  }
  if (!cur.empty()) batches.push_back(std::move(cur));
  return batches;
}

}  // namespace mnemo
