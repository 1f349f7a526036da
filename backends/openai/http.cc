#include "http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <deque>
#include <exception>
#include <mutex>

#include <nlohmann/json.hpp>

#include "mnemo/backend_sdk.hpp"

namespace mnemo::openai {

void GlobalInitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// ---- Endpoints --------------------------------------------------------------------------

Endpoints::Endpoints(std::vector<std::string> base_urls, uint32_t down_ms)
    : urls_(std::move(base_urls)),
      down_ms_(down_ms),
      down_(urls_.size(), false),
      down_until_(urls_.size(), Clock::time_point::min()),
      failures_(urls_.size(), 0),
      probing_(urls_.size(), false),
      outstanding_(urls_.size(), 0),
      served_(urls_.size(), 0),
      failed_(urls_.size(), 0) {}

size_t Endpoints::Pick() {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t k = 0; k < urls_.size(); ++k) {
    size_t i = (next_ + k) % urls_.size();
    if (!down_[i]) {
      next_ = (i + 1) % urls_.size();
      return i;
    }
  }
  size_t best = 0;
  for (size_t i = 1; i < urls_.size(); ++i)
    if (down_until_[i] < down_until_[best]) best = i;
  return best;
}

int Endpoints::Choose(const std::vector<uint32_t>& attempts, uint32_t max_retries,
                      const std::vector<uint32_t>& local, uint32_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t n = urls_.size();
  bool any_up = false;
  int best = -1;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (next_ + k) % n;
    if (attempts[i] > max_retries || down_[i]) continue;
    any_up = true;
    if (local[i] >= limit) continue;
    if (best < 0 || attempts[i] < attempts[best] ||
        (attempts[i] == attempts[best] && outstanding_[i] < outstanding_[best]))
      best = static_cast<int>(i);
  }
  if (!any_up) {
    for (size_t i = 0; i < n; ++i) {
      if (attempts[i] > max_retries || local[i] >= limit) continue;
      if (best < 0 || down_until_[i] < down_until_[best]) best = static_cast<int>(i);
    }
  }
  if (best >= 0) next_ = (static_cast<size_t>(best) + 1) % n;
  return best;
}

void Endpoints::Begin(size_t i) {
  std::lock_guard<std::mutex> lock(mu_);
  ++outstanding_[i];
}

void Endpoints::End(size_t i, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  if (outstanding_[i] > 0) --outstanding_[i];
  ++(ok ? served_ : failed_)[i];
}

void Endpoints::MarkDownLocked(size_t i) {
  uint32_t f = std::min<uint32_t>(failures_[i], 6);
  uint64_t ms = std::min<uint64_t>(static_cast<uint64_t>(down_ms_) << f, 60000);
  down_until_[i] = Clock::now() + std::chrono::milliseconds(ms);
  ++failures_[i];
  down_[i] = true;
}

bool Endpoints::MarkDown(size_t i, const std::string& why, bool warn) {
  bool was_up = false;
  size_t up = 0;
  uint64_t ms = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_up = !down_[i];
    MarkDownLocked(i);
    for (size_t k = 0; k < urls_.size(); ++k) up += down_[k] ? 0 : 1;
    ms = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(down_until_[i] - Clock::now())
            .count());
  }
  if (warn && was_up && urls_.size() > 1)
    log(MN_LOG_WARN, "openai: base URL " + urls_[i] + " is down (" + why + "); " +
                         std::to_string(up) + " of " + std::to_string(urls_.size()) +
                         " base URLs are up and take its requests; probing it again in " +
                         std::to_string(ms) + " ms");
  return was_up;
}

void Endpoints::MarkUp(size_t i) {
  bool was_down = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_down = down_[i];
    down_[i] = false;
    down_until_[i] = Clock::time_point::min();
    failures_[i] = 0;
  }
  if (was_down && urls_.size() > 1)
    log(MN_LOG_INFO, "openai: base URL " + urls_[i] + " is up again");
}

bool Endpoints::OtherUp(size_t except, const std::vector<uint32_t>& attempts,
                        uint32_t max_retries) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < urls_.size(); ++i)
    if (i != except && !down_[i] && attempts[i] <= max_retries) return true;
  return false;
}

int Endpoints::ClaimProbe() {
  std::lock_guard<std::mutex> lock(mu_);
  if (urls_.size() < 2) return -1;  // the exchanges themselves probe a lone base URL
  const Clock::time_point now = Clock::now();
  for (size_t i = 0; i < urls_.size(); ++i) {
    if (down_[i] && !probing_[i] && down_until_[i] <= now) {
      probing_[i] = true;
      return static_cast<int>(i);
    }
  }
  return -1;
}

void Endpoints::EndProbe(size_t i, bool healthy, const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    probing_[i] = false;
    if (!healthy) MarkDownLocked(i);
  }
  if (healthy) {
    MarkUp(i);
  } else {
    log(MN_LOG_DEBUG, "openai: probe of " + urls_[i] + " failed: " + why);
  }
}

void Endpoints::AbandonProbe(size_t i) {
  std::lock_guard<std::mutex> lock(mu_);
  probing_[i] = false;
}

void Endpoints::SetModelId(std::string id) {
  std::lock_guard<std::mutex> lock(mu_);
  model_id_ = std::move(id);
}

std::string Endpoints::model_id() {
  std::lock_guard<std::mutex> lock(mu_);
  return model_id_;
}

std::vector<uint64_t> Endpoints::Served() {
  std::lock_guard<std::mutex> lock(mu_);
  return served_;
}

std::vector<uint64_t> Endpoints::Failed() {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
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
  if (probe_ != nullptr) slots_.push_back(probe_);
  for (Slot* s : slots_) {
    if (s->easy != nullptr) curl_easy_cleanup(s->easy);
    delete s;
  }
  if (multi_ != nullptr) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

namespace {

// Sets the options every exchange of a session shares.
void SetCommon(CURL* e, const HttpConfig& config, curl_slist* headers, double timeout_s) {
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &ReadHeader);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_s * 1000));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(config.connect_timeout_s * 1000));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
}

// A probe's GET /models answer: healthy when it names `want` (or any model when want is empty).
std::string ProbeVerdict(long code, const std::string& body, const std::string& want) {
  if (code != 200) return "HTTP " + std::to_string(code);
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array() || j["data"].empty() ||
      !j["data"][0].is_object() || !j["data"][0].contains("id") || !j["data"][0]["id"].is_string())
    return "GET /models names no model";
  const std::string id = j["data"][0]["id"].get<std::string>();
  if (!want.empty() && id != want)
    return "it now serves '" + id + "', not '" + want + "'; it stays out";
  return "";
}

}  // namespace

void HttpSession::Run(const std::vector<HttpJob*>& jobs, uint32_t concurrency) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  if (multi == nullptr) {
    for (HttpJob* j : jobs) j->OnError(MN_ERR_INTERNAL, false, "curl_multi_init failed");
    return;
  }
  const size_t n_ep = endpoints_->size();
  const uint32_t retries = config_->retries;
  concurrency = std::max<uint32_t>(1, concurrency);
  const size_t n_slots = std::min<size_t>(static_cast<size_t>(concurrency) * n_ep, jobs.size());
  while (slots_.size() < n_slots) {
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
    std::vector<uint32_t> attempts;  // failed attempts of the current exchange, per endpoint
    std::vector<std::string> last_error;
    Clock::time_point ready;
    bool ended = false;
  };
  std::vector<State> state(jobs.size());
  for (State& st : state) {
    st.attempts.assign(n_ep, 0);
    st.last_error.assign(n_ep, "");
  }
  std::deque<size_t> waiting;
  for (size_t i = 0; i < jobs.size(); ++i) waiting.push_back(i);
  std::vector<Slot*> idle(slots_.begin(), slots_.begin() + n_slots);
  std::vector<Slot*> active;             // exchanges in flight
  std::vector<uint32_t> local(n_ep, 0);  // this session's exchanges in flight, per endpoint
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
  // Takes slot s off the multi handle and out of the endpoint's count.
  auto detach = [&](Slot* s, bool ok) {
    curl_multi_remove_handle(multi, s->easy);
    active.erase(std::find(active.begin(), active.end(), s));
    --local[s->endpoint];
    endpoints_->End(s->endpoint, ok);
    idle.push_back(s);
  };
  // Endpoint e is down: this session's other exchanges in flight there start again elsewhere,
  // without counting as an attempt (they did not fail; the endpoint did).
  auto drain = [&](size_t e) {
    for (size_t k = active.size(); k > 0; --k) {
      Slot* o = active[k - 1];
      if (o->endpoint != e) continue;
      const size_t j = o->job;
      detach(o, false);
      state[j].ready = Clock::now();
      waiting.push_front(j);
    }
  };
  // Job j's exchange failed on endpoint e: schedule another attempt, on another endpoint when
  // one is up, or end the job when every endpoint has spent its budget on it.
  auto retry = [&](size_t j, size_t e, mn_status st, const std::string& what,
                   int64_t retry_after_ms, bool endpoint_fault) {
    State& s = state[j];
    ++s.attempts[e];
    s.last_error[e] = what;
    const bool spent_here = s.attempts[e] > retries;
    if (endpoint_fault || (spent_here && n_ep > 1)) {
      if (endpoints_->MarkDown(e, what) && endpoints_->OtherUp(e, s.attempts, retries)) drain(e);
    }
    bool any_left = false;
    for (uint32_t a : s.attempts) any_left = any_left || a <= retries;
    if (!any_left) {
      std::string msg;
      if (n_ep == 1) {
        msg = what + " (gave up after " + std::to_string(s.attempts[0]) +
              " attempts; retry budget of " + std::to_string(retries) + " retries spent)";
      } else {
        msg = "every base URL failed this request (" + std::to_string(n_ep) + "): ";
        for (size_t i = 0; i < n_ep; ++i)
          msg += (i == 0 ? "" : "; ") + s.last_error[i] + " (" + std::to_string(s.attempts[i]) +
                 " attempts)";
        msg += " (retry budget of " + std::to_string(retries) + " retries spent on each)";
      }
      end_with_error(j, st, /*retryable=*/true, msg);
      return;
    }
    ++retries_;
    if (endpoints_->OtherUp(e, s.attempts, retries)) {
      s.ready = Clock::now();  // moves to another endpoint at once
      waiting.push_front(j);
      return;
    }
    const uint32_t n = s.attempts[e] - 1;
    uint64_t delay =
        std::min<uint64_t>(static_cast<uint64_t>(config_->backoff_ms) << std::min<uint32_t>(n, 20),
                           config_->max_backoff_ms);
    uint64_t half = delay / 2;
    delay = half + (delay - half == 0 ? 0 : rng_() % (delay - half + 1));
    if (retry_after_ms >= 0)
      delay =
          std::max<uint64_t>(delay, std::min<uint64_t>(retry_after_ms, config_->max_backoff_ms));
    s.ready = Clock::now() + std::chrono::milliseconds(delay);
    waiting.push_back(j);
  };

  // Starts job j's current exchange on endpoint e; false when the job ended instead.
  auto start = [&](size_t j, size_t e) -> bool {
    HttpJob::Exchange ex;
    try {
      ex = jobs[j]->Current();
    } catch (const std::exception& err) {
      end_with_error(j, MN_ERR_INTERNAL, false, err.what());
      return false;
    }
    Slot* s = idle.back();
    idle.pop_back();
    s->job = j;
    s->endpoint = e;
    const std::string& base = endpoints_->url(e);
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
    CURL* easy = s->easy;
    curl_easy_setopt(easy, CURLOPT_URL, s->url.c_str());
    if (s->body.empty()) {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, s->body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(s->body.size()));
    }
    SetCommon(easy, *config_, headers, config_->timeout_s);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &s->response);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &s->retry_after_ms);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, s);
    curl_multi_add_handle(multi, easy);
    active.push_back(s);
    ++local[e];
    endpoints_->Begin(e);
    return true;
  };

  // A health probe of a down endpoint (several base URLs only): GET <base>/models.
  bool probing = false;
  auto start_probe = [&] {
    if (probing) return;
    const int e = endpoints_->ClaimProbe();
    if (e < 0) return;
    if (probe_ == nullptr) {
      probe_ = new Slot();
      probe_->easy = curl_easy_init();
    }
    Slot* p = probe_;
    p->endpoint = static_cast<size_t>(e);
    p->url = endpoints_->url(p->endpoint) + "/models";
    p->body.clear();
    p->response.clear();
    p->retry_after_ms = -1;
    curl_easy_setopt(p->easy, CURLOPT_URL, p->url.c_str());
    curl_easy_setopt(p->easy, CURLOPT_HTTPGET, 1L);
    SetCommon(p->easy, *config_, headers, std::min(config_->timeout_s, 30.0));
    curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, &p->response);
    curl_easy_setopt(p->easy, CURLOPT_HEADERDATA, &p->retry_after_ms);
    curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
    curl_multi_add_handle(multi, p->easy);
    probing = true;
  };
  auto finish_probe = [&](CURLcode res) {
    curl_multi_remove_handle(multi, probe_->easy);
    probing = false;
    long code = 0;
    curl_easy_getinfo(probe_->easy, CURLINFO_RESPONSE_CODE, &code);
    std::string why = res != CURLE_OK
                          ? std::string(curl_easy_strerror(res))
                          : ProbeVerdict(code, probe_->response, endpoints_->model_id());
    endpoints_->EndProbe(probe_->endpoint, why.empty(), "GET " + probe_->url + ": " + why);
  };

  auto finish = [&](Slot* s, CURLcode res) {
    const size_t j = s->job;
    const size_t e = s->endpoint;
    const std::string where = (s->body.empty() ? "GET " : "POST ") + s->url;
    long code = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    if (res != CURLE_OK) {
      std::string why = curl_easy_strerror(res);
      switch (res) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
          retry(j, e, MN_ERR_UNAVAILABLE, where + ": cannot connect (" + why + ")", -1, true);
          break;
        case CURLE_OPERATION_TIMEDOUT:
          retry(j, e, MN_ERR_DEADLINE_EXCEEDED, where + ": timed out (" + why + ")", -1, true);
          break;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
          end_with_error(j, MN_ERR_INVALID_ARGUMENT, false, where + ": " + why);
          break;
        default:  // reset, empty reply, truncated body (CURLE_PARTIAL_FILE), ...
          retry(j, e, MN_ERR_UNAVAILABLE, where + ": connection failed (" + why + ")", -1, true);
      }
      return;
    }
    if (code < 500 && code != 429 && code != 408) endpoints_->MarkUp(e);  // it answers sanely
    if (code >= 200 && code < 300) {
      HttpJob::Verdict v;
      try {
        v = jobs[j]->OnBody(s->response);
      } catch (const std::exception& err) {
        v = HttpJob::Verdict::Fail(MN_ERR_INTERNAL, err.what());
      } catch (...) {
        v = HttpJob::Verdict::Fail(MN_ERR_INTERNAL, "unknown exception");
      }
      switch (v.kind) {
        case HttpJob::Verdict::kDone:
          state[j].ended = true;
          --remaining;
          break;
        case HttpJob::Verdict::kNext:
          std::fill(state[j].attempts.begin(), state[j].attempts.end(), 0);
          state[j].ready = Clock::now();
          waiting.push_front(j);
          break;
        case HttpJob::Verdict::kRetry:
          retry(j, e, v.status, where + ": " + v.message, -1, false);
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
      retry(j, e, MN_ERR_RESOURCE_EXHAUSTED, what, s->retry_after_ms, false);
    } else if (code >= 500 || code == 408) {
      retry(j, e, code == 408 ? MN_ERR_DEADLINE_EXCEEDED : MN_ERR_UNAVAILABLE, what,
            s->retry_after_ms, false);
    } else if (code == 401 || code == 403) {
      end_with_error(j, MN_ERR_INVALID_ARGUMENT, false,
                     what + " (the server rejected the credentials; see api_key_env)");
    } else if (code == 404) {
      end_with_error(j, MN_ERR_NOT_FOUND, false, what);
    } else {
      end_with_error(j, MN_ERR_INVALID_ARGUMENT, false, what);
    }
  };

  while (remaining > 0) {
    // Start every waiting exchange that is due, while its endpoints have room.
    const Clock::time_point now = Clock::now();
    for (size_t k = waiting.size(); k > 0 && !idle.empty(); --k) {
      size_t j = waiting.front();
      waiting.pop_front();
      if (state[j].ended) continue;
      if (state[j].ready > now) {
        waiting.push_back(j);
        continue;
      }
      const int e = endpoints_->Choose(state[j].attempts, retries, local, concurrency);
      if (e < 0) {
        waiting.push_back(j);
        continue;
      }
      start(j, static_cast<size_t>(e));
    }
    if (remaining == 0) break;
    start_probe();
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    bool progressed = false;  // an exchange ended: due jobs that found no room may start now
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      progressed = true;
      CURL* easy = msg->easy_handle;
      CURLcode res = msg->data.result;
      Slot* s = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&s));
      if (s == probe_) {
        finish_probe(res);
        continue;
      }
      long code = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
      detach(s, res == CURLE_OK && code >= 200 && code < 300);
      finish(s, res);
    }
    if (remaining == 0) break;
    // Wait for network activity, or until the next waiting exchange is due. A due exchange that
    // found every endpoint it may use full waits for activity (an exchange ending).
    int timeout_ms = 100;
    if (!idle.empty()) {
      const Clock::time_point after = Clock::now();
      for (size_t j : waiting) {
        if (state[j].ended || (state[j].ready <= now && !progressed)) continue;
        auto due = std::chrono::duration_cast<std::chrono::milliseconds>(state[j].ready - after);
        timeout_ms = std::max(0, std::min<int>(timeout_ms, static_cast<int>(due.count())));
      }
    }
    if (timeout_ms > 0) curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
  }
  // Every job has ended; only a probe may still be attached to the multi handle.
  if (probing) {
    curl_multi_remove_handle(multi, probe_->easy);
    endpoints_->AbandonProbe(probe_->endpoint);
  }
  curl_slist_free_all(headers);
}

}  // namespace mnemo::openai
