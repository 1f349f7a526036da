// How the scheduler cuts pending requests into backend calls.
//
// Requests are sorted longest first (as lm-eval: errors and memory peaks surface early), with
// requests that share a context (and kind) kept adjacent and in the same batch as far as the
// limits allow, so a backend can prefill the shared context once (multiple-choice items). A
// batch holds at most `max_batch` requests and `max_batch_tokens` tokens, a shared context
// counted once per batch; a group over either limit is split, each part paying the context
// again; a single request larger than the token limit still goes, alone.
//
// Pure function; thread-safe.
#ifndef MNEMO_HARNESS_SCHEDULER_BATCHING_H_
#define MNEMO_HARNESS_SCHEDULER_BATCHING_H_

#include <cstddef>
#include <vector>

#include "harness/core/request.h"
#include "harness/scheduler/scheduler.h"

namespace mnemo {

// Batches of indices into `requests`, drawn from `pending` (each index exactly once).
std::vector<std::vector<size_t>> MakeBatches(const std::vector<Request>& requests,
                                             const std::vector<size_t>& pending,
                                             const SchedulerOptions& opt);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_SCHEDULER_BATCHING_H_
