#include "harness/scheduler/scheduler.h"

#include <tbb/concurrent_queue.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>

#include "harness/core/log.h"
#include "harness/scheduler/batching.h"
#include "harness/scheduler/progress.h"

namespace mnemo {
namespace {

// Set from a signal handler and read by worker threads: a lock-free atomic is safe for both
// (volatile sig_atomic_t is only safe for the handler, and is a data race across threads).
std::atomic<int> g_stop{0};
static_assert(std::atomic<int>::is_always_lock_free, "the stop flag must be signal-safe");

// CurrentSchedulerActivity's state: the label of the Run in progress and its requests in flight.
std::mutex g_activity_mu;
std::string g_activity_label;  // guarded by g_activity_mu
std::atomic<size_t> g_in_flight{0};

// Publishes a Run's label while it computes.
class ActivityScope {
 public:
  explicit ActivityScope(const std::string& label) {
    std::lock_guard<std::mutex> lock(g_activity_mu);
    g_activity_label = label;
  }
  ~ActivityScope() {
    std::lock_guard<std::mutex> lock(g_activity_mu);
    g_activity_label.clear();
  }
  ActivityScope(const ActivityScope&) = delete;
  ActivityScope& operator=(const ActivityScope&) = delete;
};

struct Completed {
  size_t index;
  const Response* response;  // points into the caller's responses vector; stable during Run
};

}  // namespace

void RequestStop() {
  g_stop.store(1, std::memory_order_relaxed);
}
bool StopRequested() {
  return g_stop.load(std::memory_order_relaxed) != 0;
}
void ResetStop() {
  g_stop.store(0, std::memory_order_relaxed);
}

SchedulerActivity CurrentSchedulerActivity() {
  SchedulerActivity a;
  {
    std::lock_guard<std::mutex> lock(g_activity_mu);
    a.label = g_activity_label;
  }
  a.in_flight = g_in_flight.load();
  return a;
}

Scheduler::Scheduler(std::vector<Instance*> instances, RunStore* store, std::string fingerprint,
                     SchedulerOptions options)
    : instances_(std::move(instances)),
      store_(store),
      fingerprint_(std::move(fingerprint)),
      options_(std::move(options)) {}

Status Scheduler::Run(const std::vector<Request>& requests, std::vector<Response>* responses,
                      RunStats* stats) {
  auto t0 = std::chrono::steady_clock::now();
  *stats = RunStats{};
  stats->total = requests.size();
  responses->assign(requests.size(), Response{});
  if (requests.empty()) return Status::Ok();

  // 1. The cache.
  std::vector<std::string> keys(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) keys[i] = requests[i].CacheKey(fingerprint_);
  std::vector<size_t> pending;
  if (store_ != nullptr && options_.use_cache) {
    std::vector<std::optional<Response>> hits;
    MNEMO_RETURN_IF_ERROR(store_->LookupResponses(keys, &hits));
    for (size_t i = 0; i < requests.size(); ++i) {
      if (hits[i].has_value()) {
        (*responses)[i] = std::move(*hits[i]);
        ++stats->cached;
      } else {
        pending.push_back(i);
      }
    }
  } else {
    pending.resize(requests.size());
    std::iota(pending.begin(), pending.end(), size_t{0});
  }
  if (pending.empty()) {
    stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return Status::Ok();
  }
  if (instances_.empty()) return Status::Internal("scheduler has no backend instance");

  // 2. The single writer.
  tbb::concurrent_bounded_queue<Completed> to_write;
  to_write.set_capacity(4096);
  Status write_status;
  std::thread writer([&] {
    std::vector<std::pair<std::string, const Response*>> buf;
    mn_request_kind kind = requests[pending[0]].kind;
    auto flush = [&] {
      if (buf.empty() || store_ == nullptr) {
        buf.clear();
        return;
      }
      Status s = store_->PutResponses(buf, kind);
      if (!s.ok() && write_status.ok()) write_status = s;
      buf.clear();
    };
    auto last = std::chrono::steady_clock::now();
    for (;;) {
      Completed c{};
      bool got = to_write.try_pop(c);
      if (!got) {
        if (!buf.empty() && std::chrono::steady_clock::now() - last >=
                                std::chrono::milliseconds(options_.commit_interval_ms)) {
          flush();
          last = std::chrono::steady_clock::now();
        }
        to_write.pop(c);  // blocks
      }
      if (c.response == nullptr) break;  // sentinel
      if (c.response->ok()) buf.emplace_back(keys[c.index], c.response);
      if (buf.size() >= options_.commit_every ||
          std::chrono::steady_clock::now() - last >=
              std::chrono::milliseconds(options_.commit_interval_ms)) {
        flush();
        last = std::chrono::steady_clock::now();
      }
    }
    flush();
  });

  // 3. Workers: one task per instance pulling batches; retries go back into the queue.
  ActivityScope activity(options_.label);
  Progress progress(options_.label, pending.size(), options_.show_progress);
  tbb::concurrent_queue<std::vector<size_t>> work;
  for (auto& b : MakeBatches(requests, pending, options_)) work.push(std::move(b));
  std::vector<int> attempts(requests.size(), 0);
  std::vector<char> done(requests.size(), 0);
  std::atomic<size_t> outstanding(pending.size());
  std::atomic<size_t> retries(0);
  std::mutex err_mu;
  Status batch_status;
  std::atomic<bool> abort(false);

  auto worker = [&](Instance* inst) {
    while (outstanding.load() > 0 && !abort.load()) {
      if (StopRequested()) return;
      std::vector<size_t> batch;
      if (!work.try_pop(batch)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a retry may arrive
        continue;
      }
      std::vector<const Request*> reqs;
      reqs.reserve(batch.size());
      for (size_t i : batch) reqs.push_back(&requests[i]);
      std::vector<size_t> retry;
      size_t answered = 0;
      g_in_flight.fetch_add(batch.size());
      Status st = inst->Execute(reqs, [&](size_t k, Response&& r) {
        if (++answered <= batch.size()) g_in_flight.fetch_sub(1);
        size_t idx = batch[k];
        if (!r.ok() && r.retryable && attempts[idx] + 1 < options_.max_attempts) {
          ++attempts[idx];
          retry.push_back(idx);
          return;
        }
        (*responses)[idx] = std::move(r);
        done[idx] = 1;
        to_write.push(Completed{idx, &(*responses)[idx]});
        progress.Advance();
        outstanding.fetch_sub(1);
      });
      g_in_flight.fetch_sub(batch.size() - std::min(answered, batch.size()));
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (batch_status.ok()) batch_status = st;
        abort.store(true);
        return;
      }
      if (!retry.empty()) {
        retries.fetch_add(retry.size());
        int attempt = attempts[retry.front()];
        std::this_thread::sleep_for(
            std::chrono::milliseconds(options_.backoff_ms * (1 << std::min(attempt, 6))));
        // Retry one at a time so one bad request cannot keep failing a whole batch.
        for (size_t idx : retry) work.push({idx});
      }
    }
  };

  tbb::task_arena arena(static_cast<int>(std::max<size_t>(1, instances_.size())));
  arena.execute([&] {
    tbb::task_group tg;
    for (Instance* inst : instances_) tg.run([&, inst] { worker(inst); });
    tg.wait();
  });

  to_write.push(Completed{0, nullptr});
  writer.join();
  progress.Finish();

  for (size_t i : pending) {
    Response& r = (*responses)[i];
    if (!done[i]) {
      r = Response{};
      r.status = MN_ERR_CANCELLED;
      r.error =
          batch_status.ok() ? "not run: the run was stopped" : "not run: " + batch_status.message();
      ++stats->cancelled;
    } else if (r.ok()) {
      ++stats->computed;
    } else {
      ++stats->failed;
    }
  }
  stats->retries = retries.load();
  stats->interrupted = StopRequested();
  stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!write_status.ok()) return write_status;
  if (!batch_status.ok()) return batch_status;
  return Status::Ok();
}

}  // namespace mnemo
