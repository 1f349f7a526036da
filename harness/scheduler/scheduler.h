// The request scheduler: answers a list of requests from the run store's cache where it can,
// batches the rest to backend instances on oneTBB, retries retryable failures, and hands
// every completed response to one writer thread that commits it to the store in small
// transactions, so a killed run loses at most the requests in flight.
//
// Requests are sorted by cost (longest first, as lm-eval does) and cut into batches of at
// most `max_batch` requests and `max_batch_tokens` tokens. Each instance runs on its own
// task; different instances execute in parallel, one instance never concurrently.
//
// Stopping: RequestStop() (called from a SIGINT handler) makes workers stop taking batches;
// the batches in flight finish and are committed, the rest come back with MN_ERR_CANCELLED.
//
// Thread-safety: Run is called from one thread. The store passed in is used by the writer
// thread only while Run executes (and by the caller before and after).
#ifndef MNEMO_HARNESS_SCHEDULER_SCHEDULER_H_
#define MNEMO_HARNESS_SCHEDULER_SCHEDULER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/core/request.h"
#include "harness/core/status.h"
#include "harness/plugins/backend_client.h"
#include "harness/store/run_store.h"

namespace mnemo {

struct SchedulerOptions {
  size_t max_batch = 64;            // requests per execute call
  size_t max_batch_tokens = 16384;  // tokens per execute call (a single larger request still goes)
  int max_attempts = 4;             // for retryable failures, with exponential back-off
  int backoff_ms = 200;
  size_t commit_every = 64;      // responses per store transaction
  int commit_interval_ms = 200;  // or this often, whichever first
  bool use_cache = true;
  bool show_progress = true;
  std::string label = "requests";
};

struct RunStats {
  size_t total = 0;
  size_t cached = 0;     // answered from the store without touching a backend
  size_t computed = 0;   // answered by a backend in this run
  size_t failed = 0;     // ended with an error (after retries)
  size_t cancelled = 0;  // not attempted because the run was stopped
  size_t retries = 0;
  double seconds = 0.0;
  bool interrupted = false;
};

// Global stop flag, async-signal-safe to set.
void RequestStop();
bool StopRequested();
void ResetStop();

// What the scheduler is doing now, for the Ctrl-C notice (harness/jobs/interrupt.h): the label
// of the Run in progress ("" when none) and how many of its requests a backend holds (handed
// to an execute call and not yet answered). Safe to call from any thread, not from a signal
// handler.
struct SchedulerActivity {
  std::string label;
  size_t in_flight = 0;
};
SchedulerActivity CurrentSchedulerActivity();

class Scheduler {
 public:
  // `instances` must all belong to models with the same fingerprint; `fingerprint` keys the
  // cached responses (callers pass ModelInfo::CacheIdentity()). `store` may be null (no
  // cache, nothing persisted).
  Scheduler(std::vector<Instance*> instances, RunStore* store, std::string fingerprint,
            SchedulerOptions options);

  // Fills responses[i] for every requests[i]. Returns a non-OK Status only for infrastructure
  // failures (store write failed, a plugin rejected a whole batch); per-request failures are
  // in the responses. Everything completed before such a failure is already committed.
  Status Run(const std::vector<Request>& requests, std::vector<Response>* responses,
             RunStats* stats);

 private:
  std::vector<Instance*> instances_;
  RunStore* store_;
  std::string fingerprint_;
  SchedulerOptions options_;
};

}  // namespace mnemo

#endif  // MNEMO_HARNESS_SCHEDULER_SCHEDULER_H_
