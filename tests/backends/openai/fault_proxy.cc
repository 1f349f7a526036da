#include "tests/backends/openai/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace mnemo::testing_util {
namespace {

bool WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads with a poll loop so a stopping proxy is noticed; false on EOF, error or stop.
bool ReadSome(int fd, std::string* buf, const std::atomic<bool>& stop) {
  char tmp[16384];
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, 100);
    if (r < 0) return false;
    if (r == 0) continue;
    ssize_t n = recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf->append(tmp, static_cast<size_t>(n));
    return true;
  }
  return false;
}

size_t ContentLength(const std::string& head) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  size_t p = lower.find("\r\ncontent-length:");
  if (p == std::string::npos) return 0;
  return std::strtoul(lower.c_str() + p + 17, nullptr, 10);
}

// Drops any Connection header and asks for "Connection: close".
std::string CloseConnection(const std::string& head) {
  std::string out;
  size_t start = 0;
  while (start < head.size()) {
    size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(start, end - start);
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower.rfind("connection:", 0) != 0 && !line.empty()) out += line + "\r\n";
    start = end + 2;
  }
  return out + "Connection: close\r\n\r\n";
}

std::string Response(int code, const char* reason, const std::string& body,
                     const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(code) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra_headers + "Connection: close\r\n\r\n" + body;
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port, std::string watched_prefix)
    : upstream_port_(upstream_port), prefix_(std::move(watched_prefix)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      listen(listen_fd_, 64) == 0) {
    socklen_t len = sizeof a;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
  }
  for (auto& t : workers)
    if (t.joinable()) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void FaultProxy::Push(Fault f, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < times; ++i) queue_.push_back(f);
}

void FaultProxy::SetAlways(Fault f) {
  std::lock_guard<std::mutex> lock(mu_);
  always_ = f;
}

void FaultProxy::SetOnRequest(std::function<void(int)> cb) {
  std::lock_guard<std::mutex> lock(mu_);
  on_request_ = std::move(cb);
}

Fault FaultProxy::Next() {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) return always_;
  Fault f = queue_.front();
  queue_.pop_front();
  return f;
}

void FaultProxy::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    workers_.emplace_back([this, fd] {
      Serve(fd);
      close(fd);
    });
  }
}

void FaultProxy::Serve(int fd) {
  // One request per connection (every answer closes it).
  std::string buf;
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos)
    if (!ReadSome(fd, &buf, stop_)) return;
  const std::string head = buf.substr(0, head_end + 2);
  const size_t want = head_end + 4 + ContentLength(head);
  while (buf.size() < want)
    if (!ReadSome(fd, &buf, stop_)) return;
  const std::string body = buf.substr(head_end + 4, want - head_end - 4);
  size_t sp1 = head.find(' ');
  size_t sp2 = head.find(' ', sp1 + 1);
  const std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);

  Fault fault = Fault::kNone;
  if (path.rfind(prefix_, 0) == 0) {
    int n = ++watched_;
    std::function<void(int)> cb;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cb = on_request_;
    }
    if (cb) cb(n);
    fault = Next();
  }
  if (fault != Fault::kNone) ++faulted_;
  switch (fault) {
    case Fault::k503:
      WriteAll(fd, Response(503, "Service Unavailable",
                            R"({"error":{"code":503,"message":"injected: unavailable"}})"));
      return;
    case Fault::k429:
      WriteAll(fd, Response(429, "Too Many Requests",
                            R"({"error":{"code":429,"message":"injected: slow down"}})",
                            "Retry-After: " + std::to_string(retry_after_s_.load()) + "\r\n"));
      return;
    case Fault::kInvalidJson:
      WriteAll(fd, Response(200, "OK", R"({"choices": [{"text": "trunc)"));
      return;
    case Fault::kWrongShape:
      WriteAll(fd, Response(200, "OK", R"({"object": "list", "data": []})"));
      return;
    case Fault::kDrop:
      return;
    case Fault::kSlow:
      for (int waited = 0; waited < slow_ms_ && !stop_; waited += 10)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      break;
    default:
      break;
  }

  // Forward to the upstream and relay its whole answer (it closes after one response).
  int up = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  if (connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(up);
    return;  // upstream down: the client sees an empty reply
  }
  std::string answer;
  if (WriteAll(up, CloseConnection(head) + body)) {
    while (ReadSome(up, &answer, stop_)) {
    }
  }
  close(up);
  size_t end = answer.find("\r\n\r\n");
  if (end == std::string::npos) return;  // upstream died mid-answer
  ++forwarded_;
  if (fault == Fault::kTruncate) {
    const size_t body_len = answer.size() - end - 4;
    WriteAll(fd, answer.substr(0, end + 4 + body_len / 2));
    return;
  }
  WriteAll(fd, answer);
}

}  // namespace mnemo::testing_util
