#include "http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <deque>
#include <exception>
#include <mutex>

namespace mnemo::openai {

void GlobalInitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// ---- Endpoints --------------------------------------------------------------------------

Endpoints::Endpoints(std::vector<std::string> base_urls, uint32_t down_ms)
    : urls_(std::move(base_urls)),
      down_ms_(down_ms),
      down_until_(urls_.size(), Clock::time_point::min()),
      failures_(urls_.size(), 0) {}

size_t Endpoints::Pick() {
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  for (size_t k = 0; k < urls_.size(); ++k) {
    size_t i = (next_ + k) % urls_.size();
    if (down_until_[i] <= now) {
      next_ = (i + 1) % urls_.size();
      return i;
    }
  }
  size_t best = 0;
  for (size_t i = 1; i < urls_.size(); ++i)
    if (down_until_[i] < down_until_[best]) best = i;
  return best;
}

void Endpoints::MarkDown(size_t i) {
  std::lock_guard<std::mutex> lock(mu_);
  uint32_t f = std::min<uint32_t>(failures_[i], 6);
  uint64_t ms = std::min<uint64_t>(static_cast<uint64_t>(down_ms_) << f, 60000);
  down_until_[i] = Clock::now() + std::chrono::milliseconds(ms);
  ++failures_[i];
}

void Endpoints::MarkUp(size_t i) {
  std::lock_guard<std::mutex> lock(mu_);
  down_until_[i] = Clock::time_point::min();
  failures_[i] = 0;
}

// ---- HttpSession ------------------------------------------------------------------------

namespace {

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// Parses "Retry-After: <seconds>" or "Retry-After: <HTTP-date>" into milliseconds (-1: none).
size_t ReadHeader(char* data, size_t size, size_t n, void* user) {
  const size_t len = size * n;
  static const char kName[] = "retry-after:";
  const size_t name_len = sizeof kName - 1;
  if (len > name_len) {
    bool match = true;
    for (size_t i = 0; i < name_len && match; ++i)
      match = std::tolower(static_cast<unsigned char>(data[i])) == kName[i];
    if (match) {
      std::string v(data + name_len, len - name_len);
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(0, 1);
      int64_t ms = -1;
      if (!v.empty() &&
          std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        ms = v.size() > 9 ? INT64_C(999999999) * 1000 : std::stoll(v) * 1000;
      } else if (!v.empty()) {
        time_t when = curl_getdate(v.c_str(), nullptr);
        if (when != -1)
          ms = std::max<int64_t>(0, (static_cast<int64_t>(when) - time(nullptr)) * 1000);
      }
      *static_cast<int64_t*>(user) = ms;
    }
  }
  return len;
}

std::string Excerpt(const std::string& body) {
  std::string s = body.substr(0, 300);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return body.size() > 300 ? s + "..." : s;
}

}  // namespace

struct HttpSession::Slot {
  CURL* easy = nullptr;
  size_t job = 0;
  size_t endpoint = 0;
  std::string url;
  std::string body;
  std::string response;
  int64_t retry_after_ms = -1;
};

HttpSession::HttpSession(const HttpConfig* config, Endpoints* endpoints)
    : config_(config), endpoints_(endpoints), rng_(std::random_device{}()) {
  GlobalInitCurl();
  multi_ = curl_multi_init();
}

HttpSession::~HttpSession() {
  for (Slot* s : slots_) {
    if (s->easy != nullptr) curl_easy_cleanup(s->easy);
    delete s;
  }
  if (multi_ != nullptr) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void HttpSession::Run(const std::vector<HttpJob*>& jobs, uint32_t concurrency) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  if (multi == nullptr) {
    for (HttpJob* j : jobs) j->OnError(MN_ERR_INTERNAL, false, "curl_multi_init failed");
    return;
  }
  concurrency = std::max<uint32_t>(1, concurrency);
  while (slots_.size() < std::min<size_t>(concurrency, jobs.size())) {
    Slot* s = new Slot();
    s->easy = curl_easy_init();
    slots_.push_back(s);
  }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  if (!config_->authorization.empty())
    headers = curl_slist_append(headers, config_->authorization.c_str());

  struct State {
    uint32_t attempt = 0;
    Clock::time_point ready;
    bool ended = false;
  };
  std::vector<State> state(jobs.size());
  std::deque<size_t> waiting;
  for (size_t i = 0; i < jobs.size(); ++i) waiting.push_back(i);
  std::vector<Slot*> idle(slots_.begin(), slots_.begin() + std::min(slots_.size(), jobs.size()));
  size_t remaining = jobs.size();

  auto end_with_error = [&](size_t j, mn_status st, bool retryable, const std::string& msg) {
    if (state[j].ended) return;
    state[j].ended = true;
    --remaining;
    try {
      jobs[j]->OnError(st, retryable, msg);
    } catch (...) {
    }
  };
  // Schedules another attempt of job j's exchange, or ends it when the budget is spent.
  auto retry = [&](size_t j, mn_status st, const std::string& what, int64_t retry_after_ms) {
    State& s = state[j];
    if (s.attempt >= config_->retries) {
      end_with_error(j, st, /*retryable=*/true,
                     what + " (gave up after " + std::to_string(s.attempt + 1) +
                         " attempts; retry budget of " + std::to_string(config_->retries) +
                         " retries spent)");
      return;
    }
    uint64_t delay = std::min<uint64_t>(static_cast<uint64_t>(config_->backoff_ms)
                                            << std::min<uint32_t>(s.attempt, 20),
                                        config_->max_backoff_ms);
    uint64_t half = delay / 2;
    delay = half + (delay - half == 0 ? 0 : rng_() % (delay - half + 1));
    if (retry_after_ms >= 0)
      delay =
          std::max<uint64_t>(delay, std::min<uint64_t>(retry_after_ms, config_->max_backoff_ms));
    ++s.attempt;
    ++retries_;
    s.ready = Clock::now() + std::chrono::milliseconds(delay);
    waiting.push_back(j);
  };

  auto start = [&](size_t j) -> bool {
    HttpJob::Exchange ex;
    try {
      ex = jobs[j]->Current();
    } catch (const std::exception& e) {
      end_with_error(j, MN_ERR_INTERNAL, false, e.what());
      return false;
    }
    Slot* s = idle.back();
    idle.pop_back();
    s->job = j;
    s->endpoint = endpoints_->Pick();
    const std::string& base = endpoints_->url(s->endpoint);
    std::string prefix = base;
    if (ex.root) {
      const std::string v1 = "/v1";
      if (prefix.size() > v1.size() && prefix.compare(prefix.size() - 3, 3, v1) == 0)
        prefix.resize(prefix.size() - 3);
    }
    s->url = prefix + ex.path;
    s->body = std::move(ex.body);
    s->response.clear();
    s->retry_after_ms = -1;
    CURL* e = s->easy;
    curl_easy_setopt(e, CURLOPT_URL, s->url.c_str());
    if (s->body.empty()) {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(s->body.size()));
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &s->response);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &ReadHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &s->retry_after_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(config_->timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(config_->connect_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_multi_add_handle(multi, e);
    return true;
  };

  auto finish = [&](Slot* s, CURLcode res) {
    const size_t j = s->job;
    const std::string where = (s->body.empty() ? "GET " : "POST ") + s->url;
    long code = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    if (res != CURLE_OK) {
      std::string why = curl_easy_strerror(res);
      switch (res) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
          endpoints_->MarkDown(s->endpoint);
          retry(j, MN_ERR_UNAVAILABLE, where + ": cannot connect (" + why + ")", -1);
          break;
        case CURLE_OPERATION_TIMEDOUT:
          retry(j, MN_ERR_DEADLINE_EXCEEDED, where + ": timed out (" + why + ")", -1);
          break;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
          end_with_error(j, MN_ERR_INVALID_ARGUMENT, false, where + ": " + why);
          break;
        default:  // reset, empty reply, truncated body (CURLE_PARTIAL_FILE), ...
          retry(j, MN_ERR_UNAVAILABLE, where + ": connection failed (" + why + ")", -1);
      }
      return;
    }
    endpoints_->MarkUp(s->endpoint);
    if (code >= 200 && code < 300) {
      HttpJob::Verdict v;
      try {
        v = jobs[j]->OnBody(s->response);
      } catch (const std::exception& e) {
        v = HttpJob::Verdict::Fail(MN_ERR_INTERNAL, e.what());
      } catch (...) {
        v = HttpJob::Verdict::Fail(MN_ERR_INTERNAL, "unknown exception");
      }
      switch (v.kind) {
        case HttpJob::Verdict::kDone:
          state[j].ended = true;
          --remaining;
          break;
        case HttpJob::Verdict::kNext:
          state[j].attempt = 0;
          state[j].ready = Clock::now();
          waiting.push_front(j);
          break;
        case HttpJob::Verdict::kRetry:
          retry(j, v.status, where + ": " + v.message, -1);
          break;
        case HttpJob::Verdict::kFail:
          end_with_error(j, v.status, false, where + ": " + v.message);
          break;
      }
      return;
    }
    const std::string what = where + ": HTTP " + std::to_string(code) +
                             (s->response.empty() ? "" : " " + Excerpt(s->response));
    if (code == 429) {
      retry(j, MN_ERR_RESOURCE_EXHAUSTED, what, s->retry_after_ms);
    } else if (code >= 500 || code == 408) {
      retry(j, code == 408 ? MN_ERR_DEADLINE_EXCEEDED : MN_ERR_UNAVAILABLE, what,
            s->retry_after_ms);
    } else if (code == 401 || code == 403) {
      end_with_error(j, MN_ERR_INVALID_ARGUMENT, false,
                     what + " (the server rejected the credentials; see api_key_env)");
    } else if (code == 404) {
      end_with_error(j, MN_ERR_NOT_FOUND, false, what);
    } else {
      end_with_error(j, MN_ERR_INVALID_ARGUMENT, false, what);
    }
  };

  size_t in_flight = 0;
  while (remaining > 0) {
    // Start every waiting exchange that is due, while slots are free.
    const Clock::time_point now = Clock::now();
    for (size_t k = waiting.size(); k > 0 && !idle.empty(); --k) {
      size_t j = waiting.front();
      waiting.pop_front();
      if (state[j].ended) continue;
      if (state[j].ready > now) {
        waiting.push_back(j);
        continue;
      }
      if (start(j)) ++in_flight;
    }
    if (remaining == 0) break;
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* e = msg->easy_handle;
      CURLcode res = msg->data.result;
      Slot* s = nullptr;
      curl_easy_getinfo(e, CURLINFO_PRIVATE, reinterpret_cast<char**>(&s));
      curl_multi_remove_handle(multi, e);
      --in_flight;
      idle.push_back(s);
      finish(s, res);
    }
    if (remaining == 0) break;
    // Wait for network activity, or until the next waiting exchange is due.
    int timeout_ms = 100;
    if (!idle.empty()) {
      const Clock::time_point after = Clock::now();
      for (size_t j : waiting) {
        if (state[j].ended) continue;
        auto due = std::chrono::duration_cast<std::chrono::milliseconds>(state[j].ready - after);
        timeout_ms = std::max(0, std::min<int>(timeout_ms, static_cast<int>(due.count())));
      }
    }
    if (timeout_ms > 0) curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
  }
  // Every job has ended; nothing is attached to the multi handle any more.
  curl_slist_free_all(headers);
}

}  // namespace mnemo::openai
