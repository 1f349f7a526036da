// HTTP transport of the "openai" backend: libcurl (multi interface) with connection reuse,
// bounded concurrency, timeouts, retries with exponential back-off and jitter, Retry-After,
// and several base URLs spread round-robin.
//
// A logical request is an HttpJob: it names one exchange at a time (path + JSON body), judges
// each 2xx body, and may ask for a further exchange (a rolling score's next window, the missing
// tail of a stopped generation). HttpSession::Run drives many jobs at once and guarantees that
// every job ends exactly once, either through the job's own success path (OnBody returning
// kDone) or through OnError.
//
// Retry policy (per exchange; each exchange has its own budget of `retries`):
//   connection refused/reset, empty reply, truncated body, timeout -> retry; the base URL that
//     failed to connect is taken out for down_ms (doubling while it keeps failing) and tried
//     again afterwards
//   HTTP 429 -> retry after max(back-off, Retry-After) (Retry-After capped at max_backoff_ms)
//   HTTP 5xx, a 2xx body the job rejects (invalid JSON)             -> retry after back-off
//   any other HTTP status                                            -> fails at once
// Back-off: backoff_ms * 2^attempt, capped at max_backoff_ms, then "equal jitter" (half fixed,
// half uniformly random). When the budget is spent the job gets OnError with the last failure's
// status (retryable: a later retry may still help) and a message naming the URL, the attempts
// and the last error. Messages never contain request headers, so the API key is never logged.
//
// Thread-safety: Endpoints is thread-safe and shared by every session of a model. An
// HttpSession is used by one thread at a time (it owns a curl multi handle, whose connection
// cache is what makes connections persist across Run calls).
#ifndef MNEMO_BACKENDS_OPENAI_HTTP_H_
#define MNEMO_BACKENDS_OPENAI_HTTP_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "mnemo/backend.h"

namespace mnemo::openai {

using Clock = std::chrono::steady_clock;

// Transport settings shared by every session of one model.
struct HttpConfig {
  double timeout_s = 600;
  double connect_timeout_s = 10;
  uint32_t retries = 5;
  uint32_t backoff_ms = 250;
  uint32_t max_backoff_ms = 30000;
  uint32_t down_ms = 1000;
  std::string authorization;  // "Authorization: Bearer ..." or empty; never logged
};

// The base URLs of one model, picked round-robin; one that refuses connections is out for a
// while and then tried again. Thread-safe.
class Endpoints {
 public:
  Endpoints(std::vector<std::string> base_urls, uint32_t down_ms);
  // Index of the base URL for the next exchange: the next one in turn that is not out; when all
  // are out, the one whose time out ends first.
  size_t Pick();
  void MarkDown(size_t i);
  void MarkUp(size_t i);
  const std::string& url(size_t i) const { return urls_[i]; }
  size_t size() const { return urls_.size(); }

 private:
  std::vector<std::string> urls_;
  uint32_t down_ms_;
  std::mutex mu_;
  size_t next_ = 0;
  std::vector<Clock::time_point> down_until_;
  std::vector<uint32_t> failures_;
};

// One logical request made of one or more HTTP exchanges.
class HttpJob {
 public:
  virtual ~HttpJob() = default;
  // The current exchange. `root` selects the server root (ServerRoot) instead of the base URL,
  // for llama-server's /tokenize-style endpoints. `body` empty means GET.
  struct Exchange {
    std::string path;  // e.g. "/completions"
    std::string body;
    bool root = false;
  };
  virtual Exchange Current() = 0;

  struct Verdict {
    enum Kind { kDone, kNext, kRetry, kFail } kind = kDone;
    mn_status status = MN_OK;  // kRetry/kFail
    std::string message;       // kRetry/kFail
    static Verdict Done() { return {}; }
    static Verdict Next() { return {kNext, MN_OK, ""}; }  // Current() has moved on
    static Verdict Retry(std::string m) { return {kRetry, MN_ERR_UNAVAILABLE, std::move(m)}; }
    static Verdict Fail(mn_status s, std::string m) { return {kFail, s, std::move(m)}; }
  };
  // A 2xx response to Current(). kDone: the job is finished (it has delivered its result).
  virtual Verdict OnBody(const std::string& body) = 0;
  // The job ended in failure; called at most once, never after OnBody returned kDone.
  virtual void OnError(mn_status status, bool retryable, const std::string& message) = 0;
};

class HttpSession {
 public:
  HttpSession(const HttpConfig* config, Endpoints* endpoints);  // both must outlive the session
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Runs every job to its end with at most `concurrency` exchanges in flight; returns when all
  // have ended. Callbacks run on the calling thread. Never throws past a job: a job whose
  // callback throws is ended with OnError(MN_ERR_INTERNAL) when possible.
  void Run(const std::vector<HttpJob*>& jobs, uint32_t concurrency);

  // Retries made since construction (for logs and tests).
  uint64_t retries() const { return retries_; }

 private:
  struct Slot;
  const HttpConfig* config_;
  Endpoints* endpoints_;
  void* multi_ = nullptr;     // CURLM*
  std::vector<Slot*> slots_;  // reused easy handles, one per concurrent exchange
  std::mt19937_64 rng_;
  uint64_t retries_ = 0;
};

// curl_global_init, once per process (call before any session is created).
void GlobalInitCurl();

}  // namespace mnemo::openai

#endif  // MNEMO_BACKENDS_OPENAI_HTTP_H_
