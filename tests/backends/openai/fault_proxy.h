// A loopback HTTP/1.1 proxy for fault tests: sits between the openai plugin and llama-server
// and, per request, passes it through or injects a fault.
//
// Faults apply to requests whose path starts with the watched prefix ("/v1/completions" by
// default); other requests always pass. Queued faults (Push) are used first, one per request in
// arrival order, then the standing fault (SetAlways, kNone by default). Every response is sent
// with "Connection: close" and the connection closed after it. An upstream that refuses the
// connection (server down) makes the proxy close the client's connection without an answer.
//
// Thread-safety: every public method may be called from any thread while the proxy runs; the
// destructor stops accepting, wakes and joins every connection thread.
#ifndef MNEMO_TESTS_BACKENDS_OPENAI_FAULT_PROXY_H_
#define MNEMO_TESTS_BACKENDS_OPENAI_FAULT_PROXY_H_

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mnemo::testing_util {

enum class Fault {
  kNone,         // forward to the upstream
  k503,          // HTTP 503 with a JSON error body
  k429,          // HTTP 429 with Retry-After: retry_after_s
  kTruncate,     // forward, but send only half the body (Content-Length kept), then close
  kInvalidJson,  // HTTP 200 whose body is not JSON (cut off)
  kWrongShape,   // HTTP 200 with JSON that is not a completion (another API at this URL)
  kSlow,         // wait slow_ms, then forward
  kDrop          // close the connection without an answer
};

class FaultProxy {
 public:
  explicit FaultProxy(int upstream_port, std::string watched_prefix = "/v1/completions");
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

  void Push(Fault f, int times = 1);
  void SetAlways(Fault f);
  void SetRetryAfter(int seconds) { retry_after_s_ = seconds; }
  void SetSlowMs(int ms) { slow_ms_ = ms; }
  // Called (on a proxy thread) with the 1-based number of each watched request as it arrives.
  void SetOnRequest(std::function<void(int)> cb);

  int watched() const { return watched_; }      // watched requests seen
  int faulted() const { return faulted_; }      // of which answered with a fault
  int forwarded() const { return forwarded_; }  // requests (any path) answered by the upstream

 private:
  void AcceptLoop();
  void Serve(int fd);
  Fault Next();

  int upstream_port_;
  std::string prefix_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> retry_after_s_{1};
  std::atomic<int> slow_ms_{500};
  std::atomic<int> watched_{0};
  std::atomic<int> faulted_{0};
  std::atomic<int> forwarded_{0};
  std::mutex mu_;
  std::deque<Fault> queue_;
  Fault always_ = Fault::kNone;
  std::function<void(int)> on_request_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

}  // namespace mnemo::testing_util

#endif  // MNEMO_TESTS_BACKENDS_OPENAI_FAULT_PROXY_H_
