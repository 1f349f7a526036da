// HTTP transport of the "openai" backend: libcurl (multi interface) with connection reuse,
// bounded concurrency, timeouts, retries with exponential back-off and jitter, Retry-After,
// and several base URLs (inference endpoints) with health checks.
//
// A logical request is an HttpJob: it names one exchange at a time (path + JSON body), judges
// each 2xx body, and may ask for a further exchange (a rolling score's next window, the missing
// tail of a stopped generation). HttpSession::Run drives many jobs at once and guarantees that
// every job ends exactly once, either through the job's own success path (OnBody returning
// kDone) or through OnError.
//
// Several base URLs: each exchange goes to the up endpoint with the fewest requests in flight
// (across every session of the model), at most `concurrency` in flight per endpoint per
// session. An endpoint that fails at the connection level (refused, reset, empty reply,
// timeout), or on which one exchange spent its retry budget (5xx, 429...), is marked down: the
// session's other exchanges in flight there are cancelled and sent elsewhere at once, new ones
// go to the endpoints still up, and the down one is probed (GET <base>/models, which must name
// the same model) after down_ms, doubling while it keeps failing (up to 60 s); a successful
// probe or exchange brings it back. When every endpoint is down, exchanges go to the one whose
// back-off ends first, so one base URL behaves as before there were several.
//
// Retry policy (per exchange and per endpoint; each exchange has a budget of `retries` retries
// on every endpoint):
//   connection refused/reset, empty reply, truncated body, timeout -> retry (elsewhere if
//     another endpoint is up; the failing one is marked down)
//   HTTP 429 -> retry after max(back-off, Retry-After) (Retry-After capped at max_backoff_ms)
//   HTTP 5xx, a 2xx body the job rejects (invalid JSON)             -> retry after back-off
//   any other HTTP status                                            -> fails at once
// A retry prefers the endpoint on which the exchange failed least; it is sent at once when it
// moves to another up endpoint, else after a back-off of backoff_ms * 2^attempt, capped at
// max_backoff_ms, then "equal jitter" (half fixed, half uniformly random). A job fails only when
// every endpoint has spent its budget on it: OnError gets the last failure's status (retryable:
// a later retry may still help) and a message naming each URL, its attempts and last error.
// Messages never contain request headers, so the API key is never logged.
//
// Results never depend on which endpoint answered as long as they all serve the same model with
// the same build (ServerModel::Open checks this); the job, not the endpoint, holds all state.
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

// The base URLs of one model: their health (up, or down until a probe succeeds), requests in
// flight and exchanges served. Thread-safe.
class Endpoints {
 public:
  Endpoints(std::vector<std::string> base_urls, uint32_t down_ms);
  size_t size() const { return urls_.size(); }
  const std::string& url(size_t i) const { return urls_[i]; }

  // An up endpoint, in turn (blocking calls at open); when all are down, the one whose back-off
  // ends first.
  size_t Pick();
  // The endpoint for an exchange that has failed attempts[i] times on endpoint i; endpoints with
  // attempts[i] > max_retries are spent, and those with local[i] >= limit are full (local: this
  // session's exchanges in flight). Among the up endpoints not spent: the one with the fewest
  // failed attempts, then the fewest exchanges in flight in all sessions, then in turn. When no
  // endpoint that is not spent is up, the down one whose back-off ends first. -1: every
  // candidate is full (wait). Does not count the exchange in; call Begin.
  int Choose(const std::vector<uint32_t>& attempts, uint32_t max_retries,
             const std::vector<uint32_t>& local, uint32_t limit);
  void Begin(size_t i);
  // ok: a 2xx answer (counted as served).
  void End(size_t i, bool ok);

  // Marks i down (doubling its back-off when it already was). Returns true when it was up
  // (the caller drains it); with several base URLs, logs the transition with `why` when `warn`.
  bool MarkDown(size_t i, const std::string& why, bool warn = true);
  void MarkUp(size_t i);
  // True when an endpoint other than `except` is up and not spent per `attempts`.
  bool OtherUp(size_t except, const std::vector<uint32_t>& attempts, uint32_t max_retries);

  // Probing: a down endpoint whose back-off has passed and that no session probes now, claimed
  // for the caller (-1: none). EndProbe with healthy=true brings it up; false keeps it down with
  // a doubled back-off; AbandonProbe only releases the claim.
  int ClaimProbe();
  void EndProbe(size_t i, bool healthy, const std::string& why);
  void AbandonProbe(size_t i);
  // The model id a probe's GET /models must name (set once the model is known; empty = any).
  void SetModelId(std::string id);
  std::string model_id();

  // 2xx exchanges per endpoint and failed ones, since construction (for logs and tests).
  std::vector<uint64_t> Served();
  std::vector<uint64_t> Failed();

 private:
  void MarkDownLocked(size_t i);
  std::vector<std::string> urls_;
  uint32_t down_ms_;
  std::mutex mu_;
  size_t next_ = 0;
  std::string model_id_;
  std::vector<bool> down_;
  std::vector<Clock::time_point> down_until_;
  std::vector<uint32_t> failures_;
  std::vector<bool> probing_;
  std::vector<uint32_t> outstanding_;
  std::vector<uint64_t> served_;
  std::vector<uint64_t> failed_;
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

  // Runs every job to its end with at most `concurrency` exchanges in flight per endpoint;
  // returns when all have ended. Callbacks run on the calling thread. Never throws past a job: a
  // job whose callback throws is ended with OnError(MN_ERR_INTERNAL) when possible.
  void Run(const std::vector<HttpJob*>& jobs, uint32_t concurrency);

  // Retries made since construction (for logs and tests).
  uint64_t retries() const { return retries_; }

 private:
  struct Slot;
  const HttpConfig* config_;
  Endpoints* endpoints_;
  void* multi_ = nullptr;     // CURLM*
  std::vector<Slot*> slots_;  // reused easy handles, one per concurrent exchange
  Slot* probe_ = nullptr;     // the easy handle of this session's health probes
  std::mt19937_64 rng_;
  uint64_t retries_ = 0;
};

// curl_global_init, once per process (call before any session is created).
void GlobalInitCurl();

}  // namespace mnemo::openai

#endif  // MNEMO_BACKENDS_OPENAI_HTTP_H_
